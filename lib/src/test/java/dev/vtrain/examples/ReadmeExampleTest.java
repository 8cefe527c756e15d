package dev.vtrain.examples;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vtrain.backend.Backend;
import dev.vtrain.backend.Backends;
import dev.vtrain.data.Dataset;
import dev.vtrain.data.FashionMnist;
import dev.vtrain.data.FeatureScaling;
import dev.vtrain.nn.BatchNorm;
import dev.vtrain.nn.Conv2d;
import dev.vtrain.nn.Flatten;
import dev.vtrain.nn.Layer;
import dev.vtrain.nn.Linear;
import dev.vtrain.nn.Model;
import dev.vtrain.nn.Pool2d;
import dev.vtrain.nn.ReLU;
import dev.vtrain.nn.Sequential;
import dev.vtrain.nn.loss.CrossEntropyLoss;
import dev.vtrain.optim.Adam;
import dev.vtrain.tensor.Shape;
import dev.vtrain.train.Evaluation;
import dev.vtrain.train.Evaluator;
import dev.vtrain.train.History;
import dev.vtrain.train.Trainer;
import dev.vtrain.train.TrainingListener;
import java.nio.file.Files;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The README's library example, as written there (only the data cut to 2,000 training and 1,000
 * test images to keep the build fast). Skipped, with the reason, without Debian's
 * dataset-fashion-mnist.
 */
class ReadmeExampleTest {
    @Test
    void readmeLibraryExampleTrainsAConvNet() {
        Assumptions.assumeTrue(
                Files.isDirectory(FashionMnist.DEFAULT_DIR),
                "Fashion-MNIST is not installed at "
                        + FashionMnist.DEFAULT_DIR
                        + " (apt-get install dataset-fashion-mnist)");
        FashionMnist.TrainTest data = FashionMnist.load(FashionMnist.DEFAULT_DIR);
        FeatureScaling scaling = FeatureScaling.fit(FeatureScaling.Kind.DIVIDE_255, data.train());
        Dataset train =
                scaling.apply(data.train()).subset("train", IntStream.range(0, 2000).toArray());
        Dataset test =
                scaling.apply(data.test()).subset("test", IntStream.range(0, 1000).toArray());
        Shape image = data.sampleShape();
        Layer net =
                new Sequential(
                        new Conv2d(1, 32, 3),
                        BatchNorm.of2d(32),
                        new ReLU(),
                        Pool2d.max(2),
                        new Flatten(),
                        new Linear(32 * 13 * 13, 10));
        try (Backend backend = Backends.create("auto", 2).backend();
                Model model = Model.build(net, image, 128, backend, 0);
                Adam adam = new Adam(model, 1e-3f);
                Trainer trainer = new Trainer(model, new CrossEntropyLoss(), adam);
                Evaluator evaluator = new Evaluator(model, new CrossEntropyLoss())) {
            History history = trainer.fit(train, null, 2, 0, TrainingListener.NONE);
            Evaluation result = evaluator.evaluate(test);
            assertTrue(history.epochs().size() == 2, "two epochs");
            assertTrue(result.accuracy() > 0.6, "test accuracy " + result.accuracy());
        }
    }
}
