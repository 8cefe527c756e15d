package dev.vtrain.spark;

import dev.vtrain.io.ModelFile;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.HashPartitioner;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import scala.Tuple2;
import scala.reflect.ClassTag$;

/**
 * Trains a vtrain classifier on a Spark cluster with one barrier task per data-parallel worker: the
 * examples are split into {@code tasks} shards by their index ({@link ShardOrder}), a barrier stage
 * runs {@link BarrierTask} on every shard at once, and task 0's model comes back. If a task dies,
 * Spark aborts and relaunches the whole barrier stage; with a checkpoint directory the relaunched
 * tasks resume from task 0's newest checkpoint. Driver side; one thread.
 */
public final class SparkTrainer {
    private SparkTrainer() {}

    /** The trained model (also as the file's bytes) and what every task reported. */
    @SuppressWarnings("ArrayRecordComponent") // a result handed back once, never compared
    public record Result(
            ModelFile.Saved model, byte[] modelBytes, List<TaskResult> tasks, double seconds) {
        /** The share of step time the all-reduce took, averaged over tasks. */
        public double allReduceShare() {
            return tasks.stream()
                    .mapToDouble(
                            t ->
                                    t.stepNanos() == 0
                                            ? 0
                                            : t.allReduceNanos() / (double) t.stepNanos())
                    .average()
                    .orElse(0);
        }
    }

    /**
     * Labelled examples from a DataFrame: {@code featureColumns} (numeric) in that order and a
     * string or numeric {@code labelColumn} whose values must be among {@code classes}; each row's
     * index comes from {@code zipWithIndex}, so it follows the DataFrame's order.
     *
     * @throws IllegalArgumentException (when the examples are computed) naming a row whose label is
     *     not a known class or whose feature is null
     */
    public static JavaRDD<Example> examples(
            Dataset<Row> frame,
            List<String> featureColumns,
            String labelColumn,
            List<String> classes) {
        List<String> classList = List.copyOf(classes);
        List<String> cols = List.copyOf(featureColumns);
        return frame.toJavaRDD()
                .zipWithIndex()
                .map(
                        t -> {
                            Row r = t._1();
                            float[] x = new float[cols.size()];
                            for (int i = 0; i < x.length; i++) {
                                Object v = r.getAs(cols.get(i));
                                if (!(v instanceof Number n)) {
                                    throw new IllegalArgumentException(
                                            "row "
                                                    + t._2()
                                                    + ": column '"
                                                    + cols.get(i)
                                                    + "' is "
                                                    + v
                                                    + " (expected a number)");
                                }
                                x[i] = n.floatValue();
                            }
                            Object label = r.getAs(labelColumn);
                            String name =
                                    label instanceof Number n
                                                    && n.doubleValue() == Math.rint(n.doubleValue())
                                            ? Long.toString(n.longValue())
                                            : String.valueOf(label);
                            int y = classList.indexOf(name);
                            if (y < 0) {
                                throw new IllegalArgumentException(
                                        "row "
                                                + t._2()
                                                + ": label '"
                                                + name
                                                + "' is not one of the classes "
                                                + classList);
                            }
                            return new Example(t._2(), x, y);
                        });
    }

    /** Builds the job's network on the driver, so a bad spec fails before any task starts. */
    private static void checkSpec(Job job) {
        dev.vtrain.tensor.Shape in = dev.vtrain.tensor.Shape.of(job.features());
        dev.vtrain.nn.Layer net =
                dev.vtrain.nn.spec.Layers.fromSpec(job.spec(), in, job.classes().size());
        int outputs = net.outputShape(in).size();
        if (outputs != job.classes().size()) {
            throw new IllegalArgumentException(
                    "The model '"
                            + job.spec()
                            + "' has "
                            + outputs
                            + " outputs but there are "
                            + job.classes().size()
                            + " classes; end it with linear("
                            + job.classes().size()
                            + ")");
        }
    }

    /**
     * Trains {@code job} on {@code examples}.
     *
     * @throws IllegalArgumentException before any training when the cluster has fewer slots than
     *     tasks, an example has the wrong feature count, or a shard would be smaller than one local
     *     batch
     */
    public static Result fit(JavaSparkContext sc, JavaRDD<Example> examples, Job job) {
        if (job.loopback() && !sc.isLocal()) {
            throw new IllegalArgumentException(
                    "loopback is for local mode only; master " + sc.master() + " is a cluster");
        }
        checkSpec(job);
        int taskCpus = Integer.parseInt(sc.getConf().get("spark.task.cpus", "1"));
        int slots = sc.defaultParallelism() / Math.max(1, taskCpus);
        if (slots < job.tasks()) {
            throw new IllegalArgumentException(
                    "A barrier stage of "
                            + job.tasks()
                            + " tasks needs "
                            + job.tasks()
                            + " free task slots at once, but the cluster has "
                            + slots
                            + " (master "
                            + sc.master()
                            + ", spark.task.cpus "
                            + taskCpus
                            + "); use fewer tasks or more executor cores");
        }
        int f = job.features();
        List<Long> wrong =
                examples.filter(e -> e.features().length != f).map(Example::index).take(1);
        if (!wrong.isEmpty()) {
            Example e = examples.filter(x -> x.index() == wrong.get(0)).first();
            throw new IllegalArgumentException(
                    "Example "
                            + e.index()
                            + " has "
                            + e.features().length
                            + " features but the job expects "
                            + f);
        }
        int tasks = job.tasks();
        long[] sizes = new long[tasks];
        examples.map(e -> (int) (e.index() % tasks)).countByValue().forEach((k, v) -> sizes[k] = v);
        for (int r = 0; r < tasks; r++) {
            if (sizes[r] < job.localBatch()) {
                throw new IllegalArgumentException(
                        "Shard "
                                + r
                                + " of "
                                + tasks
                                + " has "
                                + sizes[r]
                                + " examples, fewer than one local batch of "
                                + job.localBatch()
                                + " (shard sizes "
                                + Arrays.toString(sizes)
                                + "); give more data, fewer tasks or a smaller batch");
            }
        }
        JavaRDD<Example> sharded =
                examples.mapToPair(e -> new Tuple2<>((int) (e.index() % tasks), e))
                        .partitionBy(new HashPartitioner(tasks))
                        .values()
                        .cache(); // a relaunched barrier stage reads the shards again
        long t0 = System.nanoTime();
        List<TaskResult> results =
                new ArrayList<>(
                        JavaRDD.fromRDD(
                                        sharded.rdd()
                                                .barrier()
                                                .mapPartitions(
                                                        new BarrierTask(job),
                                                        false,
                                                        ClassTag$.MODULE$.apply(TaskResult.class)),
                                        ClassTag$.MODULE$.apply(TaskResult.class))
                                // A shuffle after the barrier stage makes it a shuffle-map
                                // stage, which Spark relaunches whole when a task fails (a
                                // failed barrier result stage is not retried).
                                .repartition(1)
                                .collect());
        double seconds = (System.nanoTime() - t0) / 1e9;
        sharded.unpersist(false);
        results.sort(java.util.Comparator.comparingInt(TaskResult::rank));
        byte[] bytes = results.get(0).model();
        return new Result(
                ModelFile.read(bytes, "task 0's model"), bytes, List.copyOf(results), seconds);
    }
}
