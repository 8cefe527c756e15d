package dev.vtrain.spark;

import dev.vtrain.backend.Backend;
import dev.vtrain.backend.Backends;
import dev.vtrain.io.ModelFile;
import dev.vtrain.nn.Model;
import dev.vtrain.nn.loss.CrossEntropyLoss;
import dev.vtrain.nn.spec.Layers;
import dev.vtrain.optim.Adam;
import dev.vtrain.optim.Optimizer;
import dev.vtrain.optim.SGD;
import dev.vtrain.tensor.Shape;
import dev.vtrain.train.Trainer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * One copy of the model with its optimizer and trainer, built the same way on every task (and in
 * the single-process reference) from a {@link Job}: same spec, same seed, so all copies start
 * identical. One thread uses it.
 */
final class Replica implements AutoCloseable {
    final Backend backend;
    final Model model;
    final Optimizer optimizer;
    final Trainer trainer;
    private final float[] x;
    private final float[] y;

    Replica(Job job, int maxBatch) {
        this.backend = Backends.create("auto", 1).backend();
        Model m = null;
        Optimizer o = null;
        try {
            Shape in = Shape.of(job.features());
            m =
                    Model.build(
                            Layers.fromSpec(job.spec(), in, job.classes().size()),
                            in,
                            maxBatch,
                            backend,
                            job.seed());
            o = job.optimizer().equals("adam") ? new Adam(m, job.lr()) : new SGD(m, job.lr());
            this.trainer = new Trainer(m, new CrossEntropyLoss(), o);
        } catch (RuntimeException e) {
            if (o != null) {
                o.close();
            }
            if (m != null) {
                m.close();
            }
            backend.close();
            throw e;
        }
        this.model = m;
        this.optimizer = o;
        this.x = new float[maxBatch * job.features()];
        this.y = new float[maxBatch];
    }

    /**
     * One step on {@code rows} examples: {@code order[from..from+rows)} of {@code features} and
     * {@code labels} (row-major, {@code f} features each), at {@code lr}.
     */
    double step(float[] features, int[] labels, int f, int[] order, int from, int rows, float lr) {
        for (int r = 0; r < rows; r++) {
            int i = order[from + r];
            System.arraycopy(features, i * f, x, r * f, f);
            y[r] = labels[i];
        }
        backend.upload(x, 0, trainer.input());
        backend.upload(y, 0, trainer.target());
        trainer.step(rows, lr, false);
        return trainer.lastLoss();
    }

    /** The model as a vtrain model file's bytes. */
    byte[] modelFile(Job job) throws IOException {
        Path tmp = Files.createTempFile("vtrain-spark-", ".safetensors");
        try {
            ModelFile.save(
                    tmp,
                    model,
                    dev.vtrain.data.FeatureScaling.none(job.features()),
                    job.classes(),
                    Map.of("vtrain.spark.tasks", Integer.toString(job.tasks())));
            return Files.readAllBytes(tmp);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    @Override
    public void close() {
        trainer.close();
        optimizer.close();
        model.close();
        backend.close();
    }
}
