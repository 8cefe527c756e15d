package dev.vtrain.serve;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.management.ThreadMXBean;
import dev.vtrain.backend.cpu.CpuBackend;
import dev.vtrain.data.Dataset;
import dev.vtrain.data.EmbeddedDatasets;
import dev.vtrain.data.FeatureScaling;
import dev.vtrain.io.ModelFile;
import dev.vtrain.nn.Model;
import dev.vtrain.nn.loss.CrossEntropyLoss;
import dev.vtrain.nn.spec.Layers;
import dev.vtrain.optim.Adam;
import dev.vtrain.train.Evaluator;
import dev.vtrain.train.Trainer;
import dev.vtrain.train.TrainingListener;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The predictor: same answers as an evaluator, scaling from files, zero allocation, one thread. */
class PredictorTest {
    private static final Dataset RAW = EmbeddedDatasets.digits();
    private static final FeatureScaling SCALING =
            FeatureScaling.fit(FeatureScaling.Kind.STANDARDIZE, RAW);
    private static final Dataset DIGITS = SCALING.apply(RAW);

    private static Model trained(CpuBackend backend) {
        Model model =
                Model.build(
                        Layers.fromSpec(
                                "linear(32),relu,linear(10)",
                                dev.vtrain.tensor.Shape.of(DIGITS.featureCount())),
                        DIGITS.featureCount(),
                        64,
                        backend,
                        3);
        try (Adam adam = new Adam(model, 3e-3f);
                Trainer trainer = new Trainer(model, new CrossEntropyLoss(), adam)) {
            trainer.fit(DIGITS, null, 2, 0, TrainingListener.NONE);
        }
        return model;
    }

    @Test
    void snapshotPredictorGivesTheEvaluatorsLogitsAndProbabilitiesThatSumToOne() {
        try (CpuBackend backend = new CpuBackend(2);
                Model model = trained(backend);
                Evaluator evaluator = new Evaluator(model, null)) {
            float[] expected = evaluator.predict(DIGITS);
            WeightSnapshots snapshots = WeightSnapshots.of(model, DIGITS.classNames());
            int f = DIGITS.featureCount();
            float[] features = DIGITS.features();
            try (Predictor logits = snapshots.predictor(64, Predictor.Output.LOGITS);
                    Predictor probs = snapshots.predictor(1, Predictor.Output.PROBABILITIES)) {
                assertEquals(1, logits.version());
                float[] got = new float[expected.length];
                for (int start = 0; start < DIGITS.size(); start += 64) {
                    int rows = Math.min(64, DIGITS.size() - start);
                    logits.predict(features, start * f, rows, got, start * 10);
                }
                // Same batches, same kernels, 1 thread instead of 2: identical bits.
                assertArrayEquals(expected, got);
                float[] p = new float[10];
                float[] sample = new float[f];
                for (int i = 0; i < 50; i++) {
                    System.arraycopy(features, i * f, sample, 0, f);
                    int cls = probs.classify(sample, p);
                    double sum = 0;
                    int argmax = 0;
                    for (int c = 0; c < 10; c++) {
                        sum += p[c];
                        if (expected[i * 10 + c] > expected[i * 10 + argmax]) {
                            argmax = c;
                        }
                    }
                    assertEquals(1.0, sum, 1e-5, "probabilities of sample " + i);
                    assertEquals(argmax, cls, "class of sample " + i);
                }
                assertEquals(DIGITS.classNames(), probs.classNames());
            }
        }
    }

    @Test
    void aPredictorLoadedFromAFileScalesRawFeaturesAsTrainingDid(@TempDir Path dir)
            throws Exception {
        Path file = dir.resolve("digits.safetensors");
        float[] expected;
        try (CpuBackend backend = new CpuBackend(1);
                Model model = trained(backend);
                Evaluator evaluator = new Evaluator(model, null)) {
            expected = evaluator.predict(DIGITS);
            ModelFile.save(file, model, SCALING, DIGITS.classNames(), Map.of());
        }
        try (Predictor p = Predictor.load(file, 8, null)) {
            assertEquals(Predictor.Output.PROBABILITIES, p.output());
            assertEquals(DIGITS.classNames(), p.classNames());
            float[] raw = RAW.features();
            float[] probs = new float[8 * 10];
            p.predict(raw, 0, 8, probs, 0);
            for (int r = 0; r < 8; r++) {
                int best = 0;
                int want = 0;
                for (int c = 1; c < 10; c++) {
                    best = probs[r * 10 + c] > probs[r * 10 + best] ? c : best;
                    want = expected[r * 10 + c] > expected[r * 10 + want] ? c : want;
                }
                assertEquals(want, best, "class of raw sample " + r);
            }
        }
    }

    @Test
    void predictingAllocatesNothingAfterWarmUp() {
        ThreadMXBean mx = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (CpuBackend backend = new CpuBackend(1);
                Model model = trained(backend);
                Predictor p =
                        WeightSnapshots.of(model, DIGITS.classNames())
                                .predictor(16, Predictor.Output.PROBABILITIES)) {
            int f = DIGITS.featureCount();
            float[] features = DIGITS.features();
            float[] out = new float[16 * 10];
            for (int i = 0; i < 20_000; i++) {
                p.predict(features, (i % 100) * f, 1 + i % 16, out, 0);
            }
            // Steady state: three windows of 1,000 predictions in a row allocate exactly 0 bytes
            // (the JIT may briefly run a method unoptimised while it recompiles).
            List<Long> windows = new ArrayList<>();
            int zerosInARow = 0;
            for (int w = 0; w < 40 && zerosInARow < 3; w++) {
                long before = mx.getCurrentThreadAllocatedBytes();
                for (int i = 0; i < 1_000; i++) {
                    p.predict(features, (i % 100) * f, 1 + i % 16, out, 0);
                }
                long allocated = mx.getCurrentThreadAllocatedBytes() - before;
                windows.add(allocated);
                zerosInARow = allocated == 0 ? zerosInARow + 1 : 0;
            }
            assertEquals(3, zerosInARow, "bytes per window of 1,000 predictions: " + windows);
        }
    }

    @Test
    void aPredictorRefusesASecondThreadAndUseAfterClose() throws Exception {
        try (CpuBackend backend = new CpuBackend(1);
                Model model = trained(backend)) {
            Predictor p =
                    WeightSnapshots.of(model, DIGITS.classNames())
                            .predictor(1, Predictor.Output.LOGITS);
            float[] sample = new float[DIGITS.featureCount()];
            float[] out = new float[10];
            p.predict(sample, out);
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread other = new Thread(() -> p.predict(sample, out), "intruder");
            other.setUncaughtExceptionHandler((t, e) -> failure.set(e));
            other.start();
            other.join();
            assertTrue(failure.get() instanceof IllegalStateException, String.valueOf(failure));
            assertTrue(failure.get().getMessage().contains("intruder"), failure.get().getMessage());
            assertThrows(
                    IllegalArgumentException.class,
                    () -> p.predict(new float[3], out),
                    "a short sample");
            p.close();
            IllegalStateException closed =
                    assertThrows(IllegalStateException.class, () -> p.predict(sample, out));
            assertEquals("Predictor is closed", closed.getMessage());
        }
    }

    @Test
    void aPredictorPicksUpEachPublishedSnapshot() {
        try (CpuBackend backend = new CpuBackend(1);
                Model model = trained(backend);
                Adam adam = new Adam(model, 1e-2f);
                Trainer trainer = new Trainer(model, new CrossEntropyLoss(), adam);
                Evaluator evaluator = new Evaluator(model, null)) {
            WeightSnapshots snapshots = WeightSnapshots.of(model, DIGITS.classNames());
            try (Predictor p = snapshots.predictor(1, Predictor.Output.LOGITS)) {
                float[] sample = new float[DIGITS.featureCount()];
                System.arraycopy(DIGITS.features(), 0, sample, 0, sample.length);
                float[] before = new float[10];
                p.predict(sample, before);
                trainer.fit(
                        DIGITS,
                        null,
                        dev.vtrain.train.TrainingOptions.builder()
                                .epochs(1)
                                .listener(snapshots.publishEvery(5, TrainingListener.NONE))
                                .build());
                long published = snapshots.publish();
                float[] after = new float[10];
                p.predict(sample, after);
                assertEquals(published, p.version());
                assertTrue(published > 2, "publications: " + published);
                assertNotEquals(before[0], after[0]);
                float[] expected = evaluator.predict(DIGITS.subset("first", new int[] {0}));
                assertArrayEquals(expected, after, 1e-5f);
            }
        }
    }
}
