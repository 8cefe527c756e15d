package dev.vtrain.train;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vtrain.backend.Backend;
import dev.vtrain.backend.Backends;
import dev.vtrain.data.Dataset;
import dev.vtrain.data.EmbeddedDatasets;
import dev.vtrain.data.FeatureScaling;
import dev.vtrain.data.Splits;
import dev.vtrain.nn.Linear;
import dev.vtrain.nn.Model;
import dev.vtrain.nn.ReLU;
import dev.vtrain.nn.Sequential;
import dev.vtrain.nn.loss.CrossEntropyLoss;
import dev.vtrain.optim.Adam;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The embedded digits reach ≥ 0.95 test accuracy with the CLI's default settings. */
class DigitsEndToEndTest {
    @ParameterizedTest
    @ValueSource(strings = {"cpu", "scalar"})
    void digitsReachNinetyFivePercent(String backendName) {
        Dataset all = EmbeddedDatasets.digits();
        Splits.Split split = Splits.split(all, 0.1, 0.2, 0);
        FeatureScaling scaling = FeatureScaling.fit(FeatureScaling.Kind.STANDARDIZE, split.train());
        try (Backend backend = Backends.create(backendName, 2).backend();
                Model model =
                        Model.build(
                                new Sequential(
                                        new Linear(64, 128), new ReLU(), new Linear(128, 10)),
                                64,
                                32,
                                backend,
                                0);
                Adam adam = new Adam(model, 1e-3f);
                Trainer trainer = new Trainer(model, new CrossEntropyLoss(), adam)) {
            long t0 = System.nanoTime();
            History h =
                    trainer.fit(
                            scaling.apply(split.train()),
                            scaling.apply(split.validation()),
                            20,
                            0,
                            TrainingListener.NONE);
            Evaluation test = trainer.evaluate(scaling.apply(split.test()));
            System.out.printf(
                    "%s: test accuracy %.4f, val %.4f, %.2fs%n",
                    backendName,
                    test.accuracy(),
                    h.last().valAccuracy(),
                    (System.nanoTime() - t0) / 1e9);
            assertTrue(test.accuracy() >= 0.95, "test accuracy " + test.accuracy());
        }
    }
}
