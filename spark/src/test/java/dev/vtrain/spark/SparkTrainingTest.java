package dev.vtrain.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vtrain.data.Dataset;
import dev.vtrain.data.EmbeddedDatasets;
import dev.vtrain.io.ModelFile;
import dev.vtrain.nn.Model;
import dev.vtrain.nn.Parameter;
import dev.vtrain.nn.loss.CrossEntropyLoss;
import dev.vtrain.train.Evaluator;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Data-parallel training on Spark in local mode with 2 task slots (and up to 4 attempts per task,
 * so a killed task can be relaunched): 2 tasks match single-process training on the same global
 * batches; a task killed mid-run is recovered from task 0's checkpoint with the same result; bad
 * input fails before training with a clear message.
 */
class SparkTrainingTest {
    /**
     * The first 3,000 Fashion-MNIST training images (scaled by 1/255) when Debian's
     * dataset-fashion-mnist is installed, the embedded 8×8 digits otherwise.
     */
    private static final Dataset DIGITS = data();

    private static final List<String> CLASSES = DIGITS.classNames();
    private static SparkSession spark;
    private static JavaSparkContext sc;

    private static Dataset data() {
        if (!java.nio.file.Files.isDirectory(dev.vtrain.data.FashionMnist.DEFAULT_DIR)) {
            return EmbeddedDatasets.digits();
        }
        Dataset train =
                dev.vtrain.data.FashionMnist.load(dev.vtrain.data.FashionMnist.DEFAULT_DIR).train();
        Dataset scaled =
                dev.vtrain.data.FeatureScaling.fit(
                                dev.vtrain.data.FeatureScaling.Kind.DIVIDE_255, train)
                        .apply(train);
        return scaled.subset(
                "fashion-mnist[0:3000]", java.util.stream.IntStream.range(0, 3000).toArray());
    }

    @BeforeAll
    static void startSpark() {
        spark =
                SparkSession.builder()
                        .master("local[2,4]")
                        .appName("vtrain-spark-test")
                        .config("spark.ui.enabled", "false")
                        .config("spark.driver.host", "127.0.0.1")
                        .config("spark.driver.bindAddress", "127.0.0.1")
                        .config("spark.sql.shuffle.partitions", "2")
                        .getOrCreate();
        sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        sc.setLogLevel("ERROR");
    }

    @AfterAll
    static void stopSpark() {
        spark.stop();
    }

    private static JavaRDD<Example> examples(Dataset d) {
        List<Example> list = new ArrayList<>();
        int f = d.featureCount();
        for (int i = 0; i < d.size(); i++) {
            float[] x = new float[f];
            d.copyRow(i, x, 0);
            list.add(new Example(i, x, (int) d.targets()[i]));
        }
        return sc.parallelize(list, 3);
    }

    private static Job job(int tasks) {
        return new Job(
                "linear(32),relu,linear(10)",
                DIGITS.featureCount(),
                CLASSES,
                tasks,
                64,
                3,
                3e-3f,
                "adam",
                0,
                null,
                0,
                true,
                -1);
    }

    /**
     * The single-process run on the same global batches (shard 0's local batch, then shard 1's).
     */
    private static Map<String, float[]> reference(Job job) {
        int n = DIGITS.size();
        int tasks = job.tasks();
        int local = job.localBatch();
        int f = DIGITS.featureCount();
        float[] x = new float[n * f];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            DIGITS.copyRow(i, x, i * f);
            y[i] = (int) DIGITS.targets()[i];
        }
        long smallest = Long.MAX_VALUE;
        for (int r = 0; r < tasks; r++) {
            smallest = Math.min(smallest, (n - r + tasks - 1) / tasks);
        }
        int steps = ShardOrder.stepsPerEpoch(smallest, local);
        try (Replica single = new Replica(job, job.globalBatch())) {
            int[] order = new int[job.globalBatch()];
            for (int epoch = 1; epoch <= job.epochs(); epoch++) {
                int[][] perms = new int[tasks][];
                for (int r = 0; r < tasks; r++) {
                    perms[r] =
                            ShardOrder.permutation(
                                    job.seed(), epoch, r, (n - r + tasks - 1) / tasks);
                }
                for (int s = 0; s < steps; s++) {
                    for (int r = 0; r < tasks; r++) {
                        for (int j = 0; j < local; j++) {
                            order[r * local + j] = r + tasks * perms[r][s * local + j];
                        }
                    }
                    single.step(x, y, f, order, 0, job.globalBatch(), job.lr());
                }
            }
            Map<String, float[]> weights = new java.util.LinkedHashMap<>();
            for (Parameter p : single.model.parameters()) {
                weights.put(p.name(), single.model.read(p.name()));
            }
            return weights;
        }
    }

    private static double accuracy(ModelFile.Saved saved) {
        try (var backend = new dev.vtrain.backend.scalar.ScalarBackend();
                Model m = saved.build(backend, 256);
                Evaluator e = new Evaluator(m, new CrossEntropyLoss())) {
            return e.evaluate(DIGITS).accuracy();
        }
    }

    private static double accuracy(Map<String, float[]> weights, Job job) {
        try (Replica r = new Replica(job, 256);
                Evaluator e = new Evaluator(r.model, new CrossEntropyLoss())) {
            weights.forEach(r.model::write);
            return e.evaluate(DIGITS).accuracy();
        }
    }

    @Test
    void twoTasksMatchTheSingleProcessRunOnTheSameGlobalBatches() {
        Job two = job(2);
        SparkTrainer.Result r = SparkTrainer.fit(sc, examples(DIGITS), two);
        Map<String, float[]> expected = reference(two);
        double worst = 0;
        for (Map.Entry<String, float[]> e : expected.entrySet()) {
            float[] got = r.model().weights().get(e.getKey());
            for (int i = 0; i < got.length; i++) {
                worst = Math.max(worst, Math.abs(got[i] - e.getValue()[i]));
            }
        }
        System.out.printf(
                "%s, 2 tasks vs 1 process: largest weight difference %.3g after %d steps;"
                        + " accuracy %.4f; %.2f s, all-reduce %.1f%% of step time%n",
                DIGITS.name(),
                worst,
                r.tasks().get(0).steps(),
                accuracy(r.model()),
                r.seconds(),
                100 * r.allReduceShare());
        assertTrue(worst < 1e-4, "largest weight difference " + worst);
        assertEquals(accuracy(expected, two), accuracy(r.model()), "accuracy");
        assertTrue(accuracy(r.model()) > 0.75, "accuracy " + accuracy(r.model()));
        assertEquals(2, r.tasks().size());
    }

    @Test
    void oneTaskIsBitIdenticalToTheSingleProcessRun() {
        Job one = job(1);
        SparkTrainer.Result r = SparkTrainer.fit(sc, examples(DIGITS), one);
        Map<String, float[]> expected = reference(one);
        for (Map.Entry<String, float[]> e : expected.entrySet()) {
            assertArrayEquals(e.getValue(), r.model().weights().get(e.getKey()), e.getKey());
        }
    }

    @Test
    void aKilledTaskIsRelaunchedAndResumesFromTheLastCheckpoint(@TempDir Path dir) {
        Job plain = job(2);
        SparkTrainer.Result uninterrupted = SparkTrainer.fit(sc, examples(DIGITS), plain);
        Job faulty = plain.withCheckpoints(dir.resolve("ck").toString(), 10, 25);
        SparkTrainer.Result recovered = SparkTrainer.fit(sc, examples(DIGITS), faulty);
        assertEquals(20, recovered.tasks().get(0).resumedAtStep(), recovered.tasks().toString());
        for (Map.Entry<String, float[]> e : uninterrupted.model().weights().entrySet()) {
            assertArrayEquals(
                    e.getValue(), recovered.model().weights().get(e.getKey()), e.getKey());
        }
    }

    @Test
    void badInputFailsBeforeTrainingWithAClearMessage() {
        IllegalArgumentException slots =
                assertThrows(
                        IllegalArgumentException.class,
                        () ->
                                SparkTrainer.fit(
                                        sc,
                                        examples(DIGITS),
                                        new Job(
                                                "linear(10)",
                                                64,
                                                CLASSES,
                                                3,
                                                66,
                                                1,
                                                1e-3f,
                                                "adam",
                                                0,
                                                null,
                                                0,
                                                true,
                                                -1)));
        assertTrue(slots.getMessage().contains("needs 3 free task slots"), slots.getMessage());
        List<Example> ragged = new ArrayList<>(examples(DIGITS).take(200));
        ragged.set(150, new Example(150, new float[3], 1));
        IllegalArgumentException features =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> SparkTrainer.fit(sc, sc.parallelize(ragged, 2), job(2)));
        assertEquals(
                "Example 150 has 3 features but the job expects " + DIGITS.featureCount(),
                features.getMessage());
        IllegalArgumentException tiny =
                assertThrows(
                        IllegalArgumentException.class,
                        () ->
                                SparkTrainer.fit(
                                        sc, sc.parallelize(ragged.subList(0, 40), 2), job(2)));
        assertTrue(
                tiny.getMessage().startsWith("Shard 0 of 2 has 20 examples, fewer than one"),
                tiny.getMessage());
        assertEquals(
                "The global batch 63 must be a positive multiple of the 2 tasks (each task takes an"
                        + " equal share)",
                assertThrows(
                                IllegalArgumentException.class,
                                () ->
                                        new Job(
                                                "linear(10)",
                                                64,
                                                CLASSES,
                                                2,
                                                63,
                                                1,
                                                1e-3f,
                                                "adam",
                                                0,
                                                null,
                                                0,
                                                true,
                                                -1))
                        .getMessage());
    }

    @Test
    void aDataFrameTrainsByColumnNameAndABadLabelIsNamed() {
        List<org.apache.spark.sql.types.StructField> fields = new ArrayList<>();
        for (int i = 0; i < DIGITS.featureCount(); i++) {
            fields.add(
                    org.apache.spark.sql.types.DataTypes.createStructField(
                            "p" + i, org.apache.spark.sql.types.DataTypes.DoubleType, false));
        }
        fields.add(
                org.apache.spark.sql.types.DataTypes.createStructField(
                        "digit", org.apache.spark.sql.types.DataTypes.StringType, false));
        List<org.apache.spark.sql.Row> rows = new ArrayList<>();
        float[] x = new float[DIGITS.featureCount()];
        for (int i = 0; i < 1200; i++) {
            DIGITS.copyRow(i, x, 0);
            Object[] v = new Object[x.length + 1];
            for (int j = 0; j < x.length; j++) {
                v[j] = (double) x[j];
            }
            v[x.length] = CLASSES.get((int) DIGITS.targets()[i]);
            rows.add(org.apache.spark.sql.RowFactory.create(v));
        }
        var frame =
                spark.createDataFrame(
                        rows, org.apache.spark.sql.types.DataTypes.createStructType(fields));
        List<String> cols = new ArrayList<>();
        for (int i = 0; i < DIGITS.featureCount(); i++) {
            cols.add("p" + i);
        }
        SparkTrainer.Result r =
                SparkTrainer.fit(sc, SparkTrainer.examples(frame, cols, "digit", CLASSES), job(2));
        assertTrue(accuracy(r.model()) > 0.6, "accuracy " + accuracy(r.model()));
        org.apache.spark.SparkException bad =
                assertThrows(
                        org.apache.spark.SparkException.class,
                        () ->
                                SparkTrainer.examples(frame, cols, "digit", CLASSES.subList(0, 9))
                                        .count());
        assertTrue(
                bad.getMessage()
                        .contains("label '" + CLASSES.get(9) + "' is not one of the classes"),
                bad.getMessage());
    }

    @Test
    void theCommandLineRefusesUnknownOptionsInOneLine() {
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> SparkTrain.parse(new String[] {"--tasks", "2", "--epoch", "3"}));
        assertTrue(e.getMessage().startsWith("unknown option '--epoch'"), e.getMessage());
        assertEquals(
                "--save needs a value",
                assertThrows(
                                IllegalArgumentException.class,
                                () -> SparkTrain.parse(new String[] {"--save"}))
                        .getMessage());
    }

    @Test
    void aSpecThatDoesNotFitOrACheckpointOfAnotherJobIsRefused(@TempDir Path dir) {
        Job base = job(2);
        Job wrongHead =
                new Job(
                        "linear(32),relu,linear(7)",
                        base.features(),
                        CLASSES,
                        2,
                        64,
                        1,
                        1e-3f,
                        "adam",
                        0,
                        null,
                        0,
                        true,
                        -1);
        IllegalArgumentException head =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> SparkTrainer.fit(sc, examples(DIGITS), wrongHead));
        assertTrue(
                head.getMessage().contains("has 7 outputs but there are 10 classes"),
                head.getMessage());
        String ck = dir.resolve("ck").toString();
        SparkTrainer.fit(sc, examples(DIGITS), base.withCheckpoints(ck, 0, -1));
        Job other =
                new Job(
                        base.spec(),
                        base.features(),
                        CLASSES,
                        2,
                        64,
                        3,
                        1e-2f,
                        "adam",
                        0,
                        ck,
                        0,
                        true,
                        -1);
        org.apache.spark.SparkException refused =
                assertThrows(
                        org.apache.spark.SparkException.class,
                        () -> SparkTrainer.fit(sc, examples(DIGITS), other));
        assertTrue(
                refused.getMessage().contains("was written by another job"), refused.getMessage());
        IllegalArgumentException flag =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> SparkTrain.integer(Map.of("--tasks", "x"), "--tasks", "2"));
        assertEquals("--tasks: expected a whole number but found 'x'", flag.getMessage());
    }
}
