package dev.vtrain.nn;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.vtrain.backend.cpu.CpuBackend;
import dev.vtrain.data.FeatureScaling;
import dev.vtrain.io.ModelFile;
import dev.vtrain.nn.loss.CrossEntropyLoss;
import dev.vtrain.optim.Adam;
import dev.vtrain.train.Trainer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Off-heap memory is given back: 10,000 models (each with an optimizer and a trainer, which own
 * off-heap slabs of their own) and 10,000 models loaded from a file are created and closed, and the
 * process's resident memory stays flat. Reads VmRSS from /proc (Linux).
 */
class OffHeapLeakTest {
    private static final int ROUNDS = 10_000;

    private static long rssBytes() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        throw new IOException("no VmRSS line");
    }

    private static Model mlp(CpuBackend b) {
        // 64-256-10 at batch 32: about 75 K parameters, 300 KB of weights, a few MB per round
        // with optimizer state, gradients and activations.
        return Model.build(
                new Sequential(new Linear(64, 256), new ReLU(), new Linear(256, 10)), 64, 32, b, 3);
    }

    @Test
    void creatingAndClosingModelsAndLoadersLeavesResidentMemoryFlat(@TempDir Path dir)
            throws IOException {
        assumeTrue(
                Files.isReadable(Path.of("/proc/self/status")),
                "resident memory is read from /proc/self/status, which only Linux has");
        Path file = dir.resolve("m.safetensors");
        try (CpuBackend b = new CpuBackend(1)) {
            try (Model m = mlp(b)) {
                ModelFile.save(
                        file,
                        m,
                        FeatureScaling.of(FeatureScaling.Kind.NONE, new double[64], ones(64)),
                        List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9"),
                        Map.of());
            }
            byte[] bytes = Files.readAllBytes(file);
            long before = 0;
            for (int round = 0; round < ROUNDS; round++) {
                if (round == ROUNDS / 10) {
                    System.gc();
                    before = rssBytes(); // after warm-up: code compiled, heap grown
                }
                try (Model m = mlp(b);
                        Adam adam = new Adam(m, 1e-3f);
                        Trainer t = new Trainer(m, new CrossEntropyLoss(), adam)) {
                    assertTrue(m.parameterCount() > 0 && t.evaluator() != null);
                }
                ModelFile.Saved saved = ModelFile.read(bytes, "m.safetensors");
                try (Model loaded = saved.build(b, 32)) {
                    assertTrue(loaded.parameterCount() > 0);
                }
            }
            System.gc();
            long after = rssBytes();
            long grown = after - before;
            System.out.printf(
                    "RSS after %d rounds: %d MiB -> %d MiB%n", ROUNDS, before >> 20, after >> 20);
            // Leaking even one slab per round would add gigabytes; allow heap and JIT noise.
            assertTrue(
                    grown < 96L << 20,
                    "resident memory grew by " + (grown >> 20) + " MiB over " + ROUNDS + " rounds");
        }
    }

    private static double[] ones(int n) {
        double[] d = new double[n];
        java.util.Arrays.fill(d, 1);
        return d;
    }
}
