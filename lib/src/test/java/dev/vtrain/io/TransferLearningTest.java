package dev.vtrain.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.vtrain.backend.cpu.CpuBackend;
import dev.vtrain.data.Dataset;
import dev.vtrain.data.FashionMnist;
import dev.vtrain.data.FeatureScaling;
import dev.vtrain.nn.Linear;
import dev.vtrain.nn.Model;
import dev.vtrain.nn.ReLU;
import dev.vtrain.nn.Sequential;
import dev.vtrain.nn.loss.CrossEntropyLoss;
import dev.vtrain.optim.Adam;
import dev.vtrain.train.Trainer;
import dev.vtrain.train.TrainingOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TransferLearningTest {
    private static Sequential net(int classes) {
        return new Sequential(
                new Linear(784, 128),
                new ReLU(),
                new Linear(128, 64),
                new ReLU(),
                new Linear(64, classes));
    }

    @Test
    void frozenLayersStayBitIdenticalAndHoldNoOptimizerState() {
        float[] x = new float[64 * 784];
        float[] y = new float[64];
        for (int i = 0; i < x.length; i++) {
            x[i] = (i * 7 % 255) / 255f;
        }
        for (int i = 0; i < y.length; i++) {
            y[i] = i % 5;
        }
        Dataset d = new Dataset("d", x, 784, y, 1, List.of("a", "b", "c", "d", "e"));
        try (CpuBackend b = new CpuBackend(2);
                Model m = Model.build(net(5), 784, 32, b, 1)) {
            m.freeze(List.of("0", "2"));
            float[] w0 = m.read("0.weight");
            float[] b2 = m.read("2.bias");
            float[] w4 = m.read("4.weight");
            try (Adam adam = new Adam(m, 1e-2f);
                    Trainer t = new Trainer(m, new CrossEntropyLoss(), adam)) {
                t.fit(d, null, TrainingOptions.builder().epochs(3).build());
                assertArrayEquals(w0, m.read("0.weight"), "frozen layer 0 unchanged");
                assertArrayEquals(b2, m.read("2.bias"), "frozen layer 2 unchanged");
                assertFalse(java.util.Arrays.equals(w4, m.read("4.weight")), "the head trains");
                long stateSize = adam.state().get("exp_avg").size();
                assertTrue(
                        stateSize < 64 * 5 + 64 + 32,
                        "state covers the head only, got " + stateSize);
                float[] g = new float[(int) m.parameter("0.weight").size()];
                b.download(m.parameter("0.weight").grad(), g, 0);
                for (float v : g) {
                    assertEquals(0f, v, "no gradient work for a frozen layer");
                }
            }
            assertThrows(
                    IllegalArgumentException.class,
                    () -> m.freeze(List.of("1")),
                    "ReLU has no parameters");
        }
    }

    @Test
    void l1AddsNothingToFrozenGradientsAndTheNormIgnoresThem() {
        // Review finding: with --freeze and --l1 together, L1 kept adding λ·sign(w) to the frozen
        // layer's gradient every step (its global norm grew from 0.42 to 34.6 over 1000 steps).
        float[] x = new float[64 * 784];
        float[] y = new float[64];
        for (int i = 0; i < x.length; i++) {
            x[i] = (i * 7 % 255) / 255f;
        }
        for (int i = 0; i < y.length; i++) {
            y[i] = i % 5;
        }
        Dataset d = new Dataset("d", x, 784, y, 1, List.of("a", "b", "c", "d", "e"));
        try (CpuBackend b = new CpuBackend(2);
                Model m = Model.build(net(5), 784, 32, b, 1)) {
            m.freeze(List.of("0", "2"));
            try (Adam adam = new Adam(m, 1e-3f);
                    Trainer t = new Trainer(m, new CrossEntropyLoss(), adam)) {
                t.fit(
                        d,
                        null,
                        TrainingOptions.builder().epochs(20).l1(1e-2f).clipNorm(1f, false).build());
                for (String frozen : List.of("0.weight", "0.bias", "2.weight", "2.bias")) {
                    float[] g = m.readGradient(frozen);
                    for (float v : g) {
                        assertEquals(0f, v, frozen + " gradient stays zero under L1");
                    }
                }
                double headOnly = 0;
                for (String name : List.of("4.weight", "4.bias")) {
                    for (float v : m.readGradient(name)) {
                        headOnly += (double) v * v;
                    }
                }
                assertEquals(
                        Math.sqrt(headOnly),
                        t.lastGradNorm(),
                        1e-4 * (1 + t.lastGradNorm()),
                        "the clipping norm covers the trainable head only");
                assertEquals(5 * 64 + 5, m.trainableParameterCount());
                assertEquals(784L * 128 + 128 + 128 * 64 + 64 + 64 * 5 + 5, m.parameterCount());
            }
        }
    }

    private static Dataset classes(Dataset all, int from, int count, int limit) {
        List<Integer> idx = new ArrayList<>();
        for (int i = 0; i < all.size() && idx.size() < limit; i++) {
            int c = (int) all.targets()[i];
            if (c >= from && c < from + count) {
                idx.add(i);
            }
        }
        Dataset sub = all.subset(all.name(), idx.stream().mapToInt(Integer::intValue).toArray());
        float[] y = sub.targets().clone();
        for (int i = 0; i < y.length; i++) {
            y[i] -= from;
        }
        return new Dataset(
                sub.name() + "[" + from + ".." + (from + count - 1) + "]",
                sub.features(),
                784,
                y,
                1,
                FashionMnist.CLASSES.subList(from, from + count));
    }

    private static double fineTune(CpuBackend b, Path pretrained, Dataset train, Dataset test) {
        try (Model m = Model.build(net(5), 784, 64, b, 7)) {
            if (pretrained != null) {
                Pretrained.Report r = Pretrained.load(m, pretrained, true);
                assertEquals(List.of("4.weight", "4.bias"), r.newHead());
            }
            try (Adam adam = new Adam(m, 1e-3f);
                    Trainer t = new Trainer(m, new CrossEntropyLoss(), adam)) {
                t.fit(train, null, TrainingOptions.builder().epochs(1).seed(3).build());
                return t.evaluate(test).accuracy();
            }
        }
    }

    @Test
    void fineTuningANewHeadBeatsTrainingFromScratch(@TempDir Path dir) throws Exception {
        assumeTrue(
                Files.isDirectory(FashionMnist.DEFAULT_DIR),
                "Fashion-MNIST is not installed (Debian package dataset-fashion-mnist); this test needs it");
        FashionMnist.TrainTest ft = FashionMnist.load(FashionMnist.DEFAULT_DIR);
        FeatureScaling s = FeatureScaling.fit(FeatureScaling.Kind.DIVIDE_255, ft.train());
        Dataset train = s.apply(ft.train());
        Dataset test = s.apply(ft.test());
        Path file = dir.resolve("pretrained.safetensors");
        try (CpuBackend b = new CpuBackend(2)) {
            try (Model m = Model.build(net(5), 784, 64, b, 5);
                    Adam adam = new Adam(m, 1e-3f);
                    Trainer t = new Trainer(m, new CrossEntropyLoss(), adam)) {
                t.fit(
                        classes(train, 0, 5, Integer.MAX_VALUE),
                        null,
                        TrainingOptions.builder().epochs(1).build());
                ModelFile.save(file, m, s, FashionMnist.CLASSES.subList(0, 5), Map.of());
            }
            Dataset small = classes(train, 5, 5, Integer.MAX_VALUE);
            Dataset eval = classes(test, 5, 5, Integer.MAX_VALUE);
            double transfer = fineTune(b, file, small, eval);
            double scratch = fineTune(b, null, small, eval);
            System.out.printf(
                    "classes 5-9 after one epoch: fine-tuned %.4f, from scratch %.4f%n",
                    transfer, scratch);
            assertTrue(transfer > scratch, "fine-tuned " + transfer + " vs scratch " + scratch);
        }
    }
}
