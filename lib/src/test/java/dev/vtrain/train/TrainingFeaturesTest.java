package dev.vtrain.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vtrain.backend.Backend;
import dev.vtrain.backend.Backends;
import dev.vtrain.data.Dataset;
import dev.vtrain.nn.Linear;
import dev.vtrain.nn.Model;
import dev.vtrain.nn.ReLU;
import dev.vtrain.nn.Sequential;
import dev.vtrain.nn.loss.CrossEntropyLoss;
import dev.vtrain.nn.loss.MSELoss;
import dev.vtrain.optim.ParamGroup;
import dev.vtrain.optim.SGD;
import dev.vtrain.optim.schedule.Schedule;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TrainingFeaturesTest {
    /**
     * One sample, Linear(2 → 1, no bias), w = (1, 1), x = (3, 4), y = 0, MSE: prediction 7, loss
     * 49, gradient 2·7·x = (42, 56) with norm 70. SGD with lr 1 moves w by minus the final
     * gradient.
     */
    private static float[] stepOnce(Backend b, TrainingOptions options) {
        try (Model m = Model.build(new Sequential(new Linear(2, 1, false)), 2, 1, b, 0);
                SGD sgd = new SGD(m, 1f, 0f, 0f, false, ParamGroup.single(m, 0f));
                Trainer t = new Trainer(m, new MSELoss(), sgd)) {
            m.write("0.weight", new float[] {1, 1});
            b.upload(new float[] {3, 4}, 0, t.input());
            b.upload(new float[] {0}, 0, t.target());
            t.configure(options);
            assertEquals(Trainer.StepOutcome.APPLIED, t.step(1, 1f, false));
            float[] w = m.read("0.weight");
            return new float[] {w[0], w[1], (float) t.lastLoss(), (float) t.lastGradNorm()};
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"scalar", "cpu"})
    void clippingAndL1MatchHandComputedValues(String name) {
        try (Backend b = Backends.create(name, 2).backend()) {
            float[] plain = stepOnce(b, TrainingOptions.builder().build());
            assertArrayEquals(new float[] {1 - 42, 1 - 56, 49, 70}, plain, 1e-4f);
            float[] byNorm = stepOnce(b, TrainingOptions.builder().clipNorm(7f, false).build());
            assertArrayEquals(new float[] {1 - 4.2f, 1 - 5.6f, 49, 70}, byNorm, 1e-4f);
            float[] byValue = stepOnce(b, TrainingOptions.builder().clipValue(10f).build());
            assertArrayEquals(new float[] {-9, -9, 49, (float) Math.sqrt(200)}, byValue, 1e-4f);
            float[] l1 = stepOnce(b, TrainingOptions.builder().l1(0.5f).build());
            assertArrayEquals(
                    new float[] {1 - 42.5f, 1 - 56.5f, 50, (float) Math.hypot(42.5, 56.5)},
                    l1,
                    1e-4f);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"scalar", "cpu"})
    void coupledL2AndTheClippingApiMatchHandComputedValues(String name) {
        try (Backend b = Backends.create(name, 2).backend();
                Model m = Model.build(new Sequential(new Linear(2, 1, false)), 2, 1, b, 0);
                SGD sgd = new SGD(m, 1f, 0f, 0f, false, ParamGroup.single(m, 0.1f));
                Trainer t = new Trainer(m, new MSELoss(), sgd)) {
            m.write("0.weight", new float[] {1, 1});
            b.upload(new float[] {3, 4}, 0, t.input());
            b.upload(new float[] {0}, 0, t.target());
            t.step(1, 1f, false);
            // L2: gradient (42, 56) + 0.1 · w = (42.1, 56.1)
            assertArrayEquals(new float[] {1 - 42.1f, 1 - 56.1f}, m.read("0.weight"), 1e-4f);
            b.upload(new float[] {3, 4}, 0, m.gradientSlab().firstRows(2));
            assertEquals(5.0, dev.vtrain.optim.GradientClipping.clipGradNorm(m, 1f, false), 1e-6);
            float[] g = new float[2];
            b.download(m.gradientSlab().firstRows(2), g, 0);
            assertArrayEquals(new float[] {0.6f, 0.8f}, g, 1e-5f);
            dev.vtrain.optim.GradientClipping.clipGradValue(m, 0.7f);
            b.download(m.gradientSlab().firstRows(2), g, 0);
            assertArrayEquals(new float[] {0.6f, 0.7f}, g, 1e-6f);
            b.upload(new float[] {Float.NaN, 4}, 0, m.gradientSlab().firstRows(2));
            assertThrows(
                    IllegalArgumentException.class,
                    () -> dev.vtrain.optim.GradientClipping.clipGradNorm(m, 1f, true));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"scalar", "cpu"})
    void nonFiniteStepsAreSkippedCountedAndStopTraining(String name) {
        try (Backend b = Backends.create(name, 2).backend();
                Model m = Model.build(new Sequential(new Linear(2, 1, false)), 2, 1, b, 0);
                SGD sgd = new SGD(m, 0.1f);
                Trainer t = new Trainer(m, new MSELoss(), sgd)) {
            m.write("0.weight", new float[] {1, 1});
            b.upload(new float[] {Float.NaN, 4}, 0, t.input());
            b.upload(new float[] {0}, 0, t.target());
            t.configure(TrainingOptions.builder().build());
            assertEquals(Trainer.StepOutcome.SKIPPED_NON_FINITE, t.step(1, 0.1f, false));
            assertArrayEquals(new float[] {1, 1}, m.read("0.weight"), "weights untouched");
            assertEquals(0, sgd.steps(), "the optimizer (and so the schedule) did not advance");
            t.configure(TrainingOptions.builder().clipNorm(1f, true).build());
            TrainingDivergedException e =
                    assertThrows(TrainingDivergedException.class, () -> t.step(1, 0.1f, false));
            assertTrue(
                    e.getMessage().startsWith("The total norm of gradients is NaN"),
                    e.getMessage());
        }
        float[] x = new float[40];
        float[] y = new float[20];
        x[6] = Float.POSITIVE_INFINITY;
        Dataset bad = new Dataset("bad", x, 2, y, 1, List.of());
        try (Backend b = Backends.create(name, 2).backend();
                Model m = Model.build(new Sequential(new Linear(2, 1)), 2, 1, b, 0);
                SGD sgd = new SGD(m, 0.1f);
                Trainer t = new Trainer(m, new MSELoss(), sgd)) {
            History h =
                    t.fit(
                            bad,
                            null,
                            TrainingOptions.builder().epochs(2).nonFinite(true, 3).build());
            assertEquals(2, h.skippedSteps(), "one bad sample per epoch, skipped each time");
            assertEquals(38, sgd.steps());
            Dataset allBad =
                    new Dataset(
                            "allBad",
                            new float[] {Float.NaN, 0, Float.NaN, 0, Float.NaN, 0},
                            2,
                            new float[3],
                            1,
                            List.of());
            TrainingDivergedException e =
                    assertThrows(
                            TrainingDivergedException.class,
                            () ->
                                    t.fit(
                                            allBad,
                                            null,
                                            TrainingOptions.builder()
                                                    .epochs(1)
                                                    .nonFinite(true, 3)
                                                    .build()));
            assertTrue(
                    e.getMessage()
                            .startsWith(
                                    "Training stopped in epoch 1: 3 consecutive steps had a non-finite"),
                    e.getMessage());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"scalar", "cpu"})
    void earlyStoppingRestoresTheBestEpochsWeights(String name) {
        double[] script = {0.9, 0.7, 0.5, 0.6, 0.55, 0.65, 0.4};
        Monitor scripted = new Monitor("scripted", s -> script[s.epoch() - 1], true);
        SplittableRandom rng = new SplittableRandom(3);
        float[] x = new float[64 * 4];
        float[] y = new float[64];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rng.nextGaussian();
        }
        for (int i = 0; i < y.length; i++) {
            y[i] = i % 3;
        }
        Dataset data = new Dataset("d", x, 4, y, 1, List.of("a", "b", "c"));
        try (Backend b = Backends.create(name, 2).backend();
                Model m =
                        Model.build(
                                new Sequential(new Linear(4, 8), new ReLU(), new Linear(8, 3)),
                                4,
                                16,
                                b,
                                0);
                SGD sgd = new SGD(m, 0.1f);
                Trainer t = new Trainer(m, new CrossEntropyLoss(), sgd)) {
            List<float[]> snapshots = new ArrayList<>();
            TrainingListener snap =
                    new TrainingListener() {
                        @Override
                        public void onEpoch(EpochStats s) {
                            snapshots.add(m.read("0.weight"));
                        }
                    };
            History h =
                    t.fit(
                            data,
                            null,
                            TrainingOptions.builder()
                                    .epochs(7)
                                    .earlyStopping(new EarlyStopping(scripted, 2, 0.0, true))
                                    .listener(snap)
                                    .build());
            assertEquals(5, h.epochs().size(), "no improvement in epochs 4 and 5 with patience 2");
            assertEquals(3, h.bestEpoch());
            assertTrue(h.stoppedEarly() && h.restoredBest());
            assertArrayEquals(
                    snapshots.get(2), m.read("0.weight"), "weights are those after epoch 3");
            assertTrue(!java.util.Arrays.equals(snapshots.get(4), snapshots.get(2)));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"scalar", "cpu"})
    void linearRegressionRecoversSlopeAndIntercept(String name) {
        SplittableRandom rng = new SplittableRandom(42);
        int n = 200;
        float[] x = new float[n];
        float[] y = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (rng.nextDouble() * 4 - 2);
            y[i] = (float) (2 * x[i] + 1 + rng.nextGaussian() * 0.1);
        }
        Dataset data = new Dataset("line", x, 1, y, 1, List.of());
        try (Backend b = Backends.create(name, 2).backend();
                Model m = Model.build(new Sequential(new Linear(1, 1)), 1, 10, b, 0);
                SGD sgd = new SGD(m, 0.01f);
                Trainer t = new Trainer(m, new MSELoss(), sgd)) {
            t.fit(
                    data,
                    null,
                    TrainingOptions.builder().epochs(60).schedule(Schedule.constant(0.01)).build());
            assertEquals(2.0, m.read("0.weight")[0], 0.05, "slope");
            assertEquals(1.0, m.read("0.bias")[0], 0.05, "intercept");
        }
    }
}
