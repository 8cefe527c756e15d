package dev.vtrain.spark;

import dev.vtrain.backend.Backend;
import dev.vtrain.backend.Backends;
import dev.vtrain.data.Dataset;
import dev.vtrain.data.EmbeddedDatasets;
import dev.vtrain.data.FashionMnist;
import dev.vtrain.data.FeatureScaling;
import dev.vtrain.io.AtomicWrite;
import dev.vtrain.nn.Model;
import dev.vtrain.nn.loss.CrossEntropyLoss;
import dev.vtrain.train.Evaluation;
import dev.vtrain.train.Evaluator;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The {@code spark-submit} entry point: trains a classifier with {@code --tasks} barrier tasks on a
 * CSV file (header row; every column but the label is a numeric feature), Fashion-MNIST or the
 * embedded digits, and saves task 0's model.
 *
 * <pre>
 * spark-submit --class dev.vtrain.spark.SparkTrain --master local[2] \
 *   --driver-java-options "--add-modules jdk.incubator.vector" \
 *   --conf spark.executor.extraJavaOptions="--add-modules jdk.incubator.vector" \
 *   spark/target/vtrain-spark-0.1.0-SNAPSHOT.jar \
 *   --data fashion-mnist --tasks 2 --model "linear(256),relu,linear(128),relu,linear(10)" \
 *   --epochs 3 --batch-size 128 --lr 1e-3 --save model.safetensors
 * </pre>
 *
 * Bad arguments get one line and exit status 2; a failed run, one line and status 1.
 */
public final class SparkTrain {
    private SparkTrain() {}

    /** Runs the command line. */
    public static void main(String[] args) {
        int code;
        try {
            code = run(args);
        } catch (IllegalArgumentException e) {
            System.err.println("vtrain-spark: " + e.getMessage());
            code = 2;
        } catch (RuntimeException e) {
            // A failed job (SparkException and the like): its first line, not a stack trace.
            String m = String.valueOf(e.getMessage());
            System.err.println("vtrain-spark: training failed: " + m.lines().findFirst().orElse(m));
            code = 1;
        }
        // On success return normally: a cluster manager reads a System.exit as a failure.
        if (code != 0) {
            System.exit(code);
        }
    }

    static int integer(Map<String, String> o, String flag, String dflt) {
        String v = o.getOrDefault(flag, dflt);
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    flag + ": expected a whole number but found '" + v + "'");
        }
    }

    private static float number(Map<String, String> o, String flag, String dflt) {
        String v = o.getOrDefault(flag, dflt);
        try {
            return Float.parseFloat(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(flag + ": expected a number but found '" + v + "'");
        }
    }

    /** Parses {@code --name value} pairs. */
    static Map<String, String> parse(String[] args) {
        List<String> known =
                List.of(
                        "--data",
                        "--label-column",
                        "--tasks",
                        "--model",
                        "--epochs",
                        "--batch-size",
                        "--lr",
                        "--optimizer",
                        "--seed",
                        "--save",
                        "--checkpoint-dir",
                        "--checkpoint-every",
                        "--master",
                        "--limit");
        Map<String, String> m = new HashMap<>();
        for (int i = 0; i < args.length; i += 2) {
            if (!known.contains(args[i])) {
                throw new IllegalArgumentException(
                        "unknown option '" + args[i] + "' (expected one of " + known + ")");
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(args[i] + " needs a value");
            }
            m.put(args[i], args[i + 1]);
        }
        return m;
    }

    static int run(String[] args) {
        Map<String, String> o = parse(args);
        String data = o.getOrDefault("--data", "digits");
        int tasks = integer(o, "--tasks", "2");
        Path save = o.containsKey("--save") ? Path.of(o.get("--save")) : null;
        if (save != null
                && (save.toAbsolutePath().getParent() == null
                        || !Files.isDirectory(save.toAbsolutePath().getParent()))) {
            throw new IllegalArgumentException("--save " + save + ": its directory does not exist");
        }
        SparkSession.Builder b = SparkSession.builder().appName("vtrain-spark");
        // --master only where nothing else set one (spark-submit's --master wins).
        if (o.containsKey("--master") && System.getProperty("spark.master") == null) {
            b.master(o.get("--master"));
        }
        boolean ours = SparkSession.getActiveSession().isEmpty();
        SparkSession spark = b.getOrCreate();
        try {
            JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
            JavaRDD<Example> examples;
            int features;
            List<String> classes;
            Dataset test = null;
            if (data.equals("fashion-mnist") || data.equals("digits")) {
                Dataset train;
                if (data.equals("digits")) {
                    train = EmbeddedDatasets.digits();
                } else {
                    FashionMnist.TrainTest tt = FashionMnist.load(FashionMnist.DEFAULT_DIR);
                    FeatureScaling s =
                            FeatureScaling.fit(FeatureScaling.Kind.DIVIDE_255, tt.train());
                    train = s.apply(tt.train());
                    test = s.apply(tt.test());
                }
                int limit = integer(o, "--limit", "0");
                int n = limit > 0 ? Math.min(limit, train.size()) : train.size();
                features = train.featureCount();
                classes = train.classNames();
                List<Example> list = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    float[] x = new float[features];
                    train.copyRow(i, x, 0);
                    list.add(new Example(i, x, (int) train.targets()[i]));
                }
                // Slices of about 10,000 examples keep each task's message small.
                examples = sc.parallelize(list, Math.max(tasks, n / 10_000 + 1));
            } else {
                org.apache.spark.sql.Dataset<Row> frame =
                        spark.read()
                                .option("header", "true")
                                .option("inferSchema", "true")
                                .csv(data);
                String label =
                        o.getOrDefault(
                                "--label-column", frame.columns()[frame.columns().length - 1]);
                List<String> cols = new ArrayList<>(Arrays.asList(frame.columns()));
                if (!cols.remove(label)) {
                    throw new IllegalArgumentException(
                            data
                                    + ": no column named '"
                                    + label
                                    + "' (columns: "
                                    + String.join(", ", frame.columns())
                                    + ")");
                }
                classes = new ArrayList<>();
                for (Row r : frame.select(label).distinct().collectAsList()) {
                    Object v = r.get(0);
                    classes.add(
                            v instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())
                                    ? Long.toString(n.longValue())
                                    : String.valueOf(v));
                }
                classes.sort(null);
                features = cols.size();
                examples = SparkTrainer.examples(frame, cols, label, classes);
            }
            String spec =
                    o.getOrDefault("--model", "linear(128),relu,linear(" + classes.size() + ")");
            Job job =
                    new Job(
                            spec,
                            features,
                            classes,
                            tasks,
                            integer(o, "--batch-size", "128"),
                            integer(o, "--epochs", "3"),
                            number(o, "--lr", "1e-3"),
                            o.getOrDefault("--optimizer", "adam"),
                            integer(o, "--seed", "0"),
                            o.containsKey("--checkpoint-dir")
                                    ? Path.of(o.get("--checkpoint-dir")).toAbsolutePath().toString()
                                    : null,
                            integer(o, "--checkpoint-every", "0"),
                            sc.isLocal(),
                            -1);
            SparkTrainer.Result r = SparkTrainer.fit(sc, examples, job);
            for (TaskResult t : r.tasks()) {
                System.out.printf(
                        Locale.ROOT,
                        "task %d: %d steps%s, %.2f s in steps, all-reduce %.1f%% (%.0f µs and %d bytes"
                                + " sent per step), last loss %.4f%n",
                        t.rank(),
                        t.steps(),
                        t.resumedAtStep() > 0 ? " (resumed at step " + t.resumedAtStep() + ")" : "",
                        t.stepNanos() / 1e9,
                        100.0 * t.allReduceNanos() / Math.max(1, t.stepNanos()),
                        t.allReduceNanos() / 1e3 / Math.max(1, t.steps()),
                        t.allReduceBytes(),
                        t.lastLoss());
            }
            System.out.printf(
                    Locale.ROOT, "barrier stage: %.2f s with %d tasks%n", r.seconds(), tasks);
            if (test != null) {
                try (Backend backend = Backends.create("auto", 1).backend();
                        Model m = r.model().build(backend, 256);
                        Evaluator e = new Evaluator(m, new CrossEntropyLoss())) {
                    Evaluation ev = e.evaluate(test);
                    System.out.printf(
                            Locale.ROOT,
                            "test accuracy %.4f (loss %.4f)%n",
                            ev.accuracy(),
                            ev.loss());
                }
            }
            if (save != null) {
                AtomicWrite.write(save, ByteBuffer.wrap(r.modelBytes()));
                System.out.println("saved: " + save);
            }
            return 0;
        } catch (java.io.IOException e) {
            System.err.println("vtrain-spark: " + e.getMessage());
            return 1;
        } finally {
            if (ours) {
                spark.stop();
            }
        }
    }
}
