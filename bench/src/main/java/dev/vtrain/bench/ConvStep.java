package dev.vtrain.bench;

import dev.vtrain.backend.Backend;
import dev.vtrain.nn.Model;
import dev.vtrain.nn.loss.CrossEntropyLoss;
import dev.vtrain.nn.spec.Layers;
import dev.vtrain.optim.Adam;
import dev.vtrain.tensor.Shape;
import dev.vtrain.train.Trainer;
import java.util.SplittableRandom;

/**
 * One training step of the Fashion-MNIST conv net ({@link #SPEC} on 1×28×28 images, cross-entropy,
 * Adam 1e-3) on a fixed random batch, in vtrain; {@code dev.vtrain.bench.djl.DjlConvStep} is the
 * same step in DJL. Single-threaded use.
 */
final class ConvStep implements StepWorkload {
    /** The network, in the CLI's {@code --model} syntax. */
    static final String SPEC =
            "conv2d(32,3,padding=1),batchnorm2d,relu,maxpool2d(2),conv2d(64,3,padding=1),"
                    + "batchnorm2d,relu,maxpool2d(2),flatten,linear(128),relu,linear(10)";

    private final Model model;
    private final Adam adam;
    private final Trainer trainer;
    private final int batch;

    ConvStep(Backend backend, int batch) {
        Shape image = Shape.of(1, 28, 28);
        this.batch = batch;
        model = Model.build(Layers.fromSpec(SPEC, image), image, batch, backend, 0);
        adam = new Adam(model, 1e-3f);
        trainer = new Trainer(model, new CrossEntropyLoss(), adam);
        SplittableRandom rng = new SplittableRandom(0);
        float[] x = new float[batch * image.size()];
        float[] y = new float[batch];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rng.nextDouble();
        }
        for (int i = 0; i < y.length; i++) {
            y[i] = rng.nextInt(10);
        }
        backend.upload(x, 0, trainer.input());
        backend.upload(y, 0, trainer.target());
    }

    @Override
    public void step() {
        trainer.step(batch, 1e-3f, false);
    }

    @Override
    public double lastLoss() {
        return trainer.lastLoss();
    }

    @Override
    public void close() {
        trainer.close();
        adam.close();
        model.close();
    }
}
