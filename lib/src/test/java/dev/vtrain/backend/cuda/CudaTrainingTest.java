package dev.vtrain.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.management.ThreadMXBean;
import dev.vtrain.backend.Backend;
import dev.vtrain.backend.scalar.ScalarBackend;
import dev.vtrain.io.ModelFile;
import dev.vtrain.nn.Dropout;
import dev.vtrain.nn.Linear;
import dev.vtrain.nn.Model;
import dev.vtrain.nn.Parameter;
import dev.vtrain.nn.ReLU;
import dev.vtrain.nn.Sequential;
import dev.vtrain.nn.Tanh;
import dev.vtrain.nn.loss.CrossEntropyLoss;
import dev.vtrain.optim.Adam;
import dev.vtrain.optim.Optimizer;
import dev.vtrain.optim.SGD;
import dev.vtrain.train.Trainer;
import dev.vtrain.train.TrainingOptions;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Whole training steps on the CUDA backend: the same trajectory as the scalar reference, no host
 * allocation per step, no device memory kept after models and backends close, and model files that
 * move between the GPU and the CPU.
 */
@org.junit.jupiter.api.Tag("cuda")
class CudaTrainingTest {
    private static final int FEATURES = 20;
    private static final int CLASSES = 3;
    private static final int BATCH = 16;

    private static Model mlp(Backend b) {
        return Model.build(
                new Sequential(
                        new Linear(FEATURES, 24),
                        new ReLU(),
                        new Dropout(0.1f),
                        new Linear(24, 12),
                        new Tanh(),
                        new Linear(12, CLASSES)),
                FEATURES,
                BATCH,
                b,
                7);
    }

    private static void fillBatch(Backend b, Trainer t) {
        float[] x = Twins.values(BATCH * FEATURES, 3, 1);
        float[] y = new float[BATCH];
        for (int i = 0; i < BATCH; i++) {
            y[i] = (i * 5) % CLASSES;
        }
        b.upload(x, 0, t.input());
        b.upload(y, 0, t.target());
    }

    /** Parameters after {@code steps} steps of the given optimizer, on {@code b}. */
    private static float[][] train(Backend b, Function<Model, Optimizer> optimizer, int steps) {
        try (Model m = mlp(b);
                Optimizer opt = optimizer.apply(m);
                Trainer t = new Trainer(m, new CrossEntropyLoss(), opt)) {
            t.configure(TrainingOptions.builder().l1(1e-4f).clipNorm(0.5f, false).build());
            fillBatch(b, t);
            for (int i = 0; i < steps; i++) {
                t.step(i % 2 == 0 ? BATCH : BATCH - 5, 0.01f, true);
            }
            float[][] out = new float[m.parameters().size()][];
            for (int i = 0; i < out.length; i++) {
                out[i] = m.read(m.parameters().get(i).name());
            }
            return out;
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {TestDevices.FAKE, TestDevices.GPU})
    void trajectoryMatchesTheScalarReference(String device) {
        for (String name : new String[] {"adam", "sgd"}) {
            Function<Model, Optimizer> opt =
                    name.equals("adam")
                            ? m -> new Adam(m, 1e-2f)
                            : m -> new SGD(m, 0.05f, 0.9f, 0, 1e-4f, true);
            float[][] expected;
            try (ScalarBackend ref = new ScalarBackend()) {
                expected = train(ref, opt, 30);
            }
            float[][] actual;
            try (CudaBackend cuda = TestDevices.open(device)) {
                actual = train(cuda, opt, 30);
            }
            double worst = 0;
            for (int p = 0; p < expected.length; p++) {
                for (int i = 0; i < expected[p].length; i++) {
                    worst = Math.max(worst, Math.abs(expected[p][i] - actual[p][i]));
                }
            }
            assertTrue(worst < 1e-4, name + ": largest weight difference after 30 steps " + worst);
        }
    }

    private static final dev.vtrain.tensor.Shape IMAGE = dev.vtrain.tensor.Shape.of(3, 8, 8);

    /** Weights of a small conv net (conv, batch norm, pooling, groups) after 20 Adam steps. */
    private static float[][] trainConvNet(Backend b) {
        try (Model m =
                        Model.build(
                                dev.vtrain.nn.spec.Layers.fromSpec(
                                        "conv2d(6,3,padding=1),batchnorm2d,relu,maxpool2d(2),"
                                                + "conv2d(4,3,padding=1,groups=2),avgpool2d(2),"
                                                + "flatten,dropout(0.1),linear(3)",
                                        IMAGE),
                                IMAGE,
                                BATCH,
                                b,
                                11);
                Optimizer opt = new Adam(m, 1e-2f);
                Trainer t = new Trainer(m, new CrossEntropyLoss(), opt)) {
            float[] x = Twins.values(BATCH * IMAGE.size(), 21, 1);
            float[] y = new float[BATCH];
            for (int i = 0; i < BATCH; i++) {
                y[i] = (i * 2) % CLASSES;
            }
            b.upload(x, 0, t.input());
            b.upload(y, 0, t.target());
            for (int i = 0; i < 20; i++) {
                t.step(i % 2 == 0 ? BATCH : BATCH - 3, 0.01f, true);
            }
            float[][] out = new float[m.parameters().size()][];
            for (int i = 0; i < out.length; i++) {
                out[i] = m.read(m.parameters().get(i).name());
            }
            return out;
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {TestDevices.FAKE, TestDevices.GPU})
    void convNetTrajectoryMatchesTheScalarReference(String device) {
        float[][] expected;
        try (ScalarBackend ref = new ScalarBackend()) {
            expected = trainConvNet(ref);
        }
        float[][] actual;
        try (CudaBackend cuda = TestDevices.open(device)) {
            actual = trainConvNet(cuda);
        }
        double worst = 0;
        for (int p = 0; p < expected.length; p++) {
            for (int i = 0; i < expected[p].length; i++) {
                worst = Math.max(worst, Math.abs(expected[p][i] - actual[p][i]));
            }
        }
        assertTrue(worst < 2e-4, "largest conv-net weight difference after 20 steps " + worst);
    }

    @ParameterizedTest
    @ValueSource(strings = {TestDevices.FAKE, TestDevices.GPU})
    void aTrainingStepAllocatesNothingOnTheHost(String device) {
        ThreadMXBean mx = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (CudaBackend cuda = TestDevices.open(device);
                Model m = mlp(cuda);
                Optimizer opt = new Adam(m, 1e-3f);
                Trainer t = new Trainer(m, new CrossEntropyLoss(), opt)) {
            t.configure(TrainingOptions.builder().l1(1e-5f).clipNorm(1f, false).build());
            fillBatch(cuda, t);
            for (int i = 0; i < 3000; i++) {
                t.step(i % 2 == 0 ? BATCH : 9, 1e-3f, true);
            }
            // As ZeroAllocationTest: the JIT may still recompile now and then (a transient of a
            // few bytes while code briefly runs unoptimised); three windows of 200 steps in a row
            // must allocate exactly 0 bytes. A per-call allocation never yields a zero window.
            long thread = Thread.currentThread().threadId();
            java.util.List<Long> windows = new java.util.ArrayList<>();
            int zerosInARow = 0;
            for (int w = 0; w < 40 && zerosInARow < 3; w++) {
                long before = mx.getThreadAllocatedBytes(thread);
                for (int i = 0; i < 200; i++) {
                    t.step(i % 2 == 0 ? BATCH : 9, 1e-3f, true);
                }
                long allocated = mx.getThreadAllocatedBytes(thread) - before;
                windows.add(allocated);
                zerosInARow = allocated == 0 ? zerosInARow + 1 : 0;
            }
            assertEquals(
                    3, zerosInARow, "host bytes per window of 200 CUDA training steps: " + windows);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {TestDevices.FAKE, TestDevices.GPU})
    void deviceMemoryDoesNotGrowOverStepsAndModelCycles(String device) {
        int steps = device.equals(TestDevices.FAKE) ? 2_000 : 10_000;
        try (CudaBackend cuda = TestDevices.open(device)) {
            long base = cuda.liveDeviceBytes();
            for (int cycle = 0; cycle < 1_000; cycle++) {
                try (Model m = mlp(cuda);
                        Optimizer opt = new Adam(m, 1e-3f);
                        Trainer t = new Trainer(m, new CrossEntropyLoss(), opt)) {
                    if (cycle == 0) {
                        fillBatch(cuda, t);
                        t.step(BATCH, 1e-3f, true);
                        long afterFirst = cuda.liveDeviceBytes();
                        for (int i = 0; i < steps; i++) {
                            t.step(BATCH, 1e-3f, i % 10 == 0);
                        }
                        assertEquals(
                                afterFirst,
                                cuda.liveDeviceBytes(),
                                "device bytes after " + steps + " more steps");
                    }
                }
                if (cycle == 0) {
                    // The first model's loss grew the backend's row scratch once; that stays.
                    base = cuda.liveDeviceBytes();
                }
            }
            assertEquals(base, cuda.liveDeviceBytes(), "device bytes after 1,000 model cycles");
        }
    }

    @Test
    void backendsOpenedAndClosedLeaveNothingOnTheFakeDevice() {
        String problem = FakeCuda.unavailable();
        assumeTrue(problem == null, () -> "fake CUDA driver not built: " + problem);
        long before = FakeCuda.liveAllocations();
        for (int i = 0; i < 1_000; i++) {
            try (CudaBackend cuda = FakeCuda.backend();
                    Model m = mlp(cuda)) {
                assertTrue(m.parameterCount() > 0);
            }
        }
        assertEquals(before, FakeCuda.liveAllocations(), "fake driver allocations after 1,000");
        // A storage closed after its backend is a no-op, not a crash.
        CudaBackend cuda = FakeCuda.backend();
        var s = cuda.allocate(10);
        cuda.close();
        // Use after close is one clear exception, not a call into freed driver state.
        dev.vtrain.tensor.Tensor t = dev.vtrain.tensor.Tensor.of(s, 0, 10);
        IllegalStateException e =
                org.junit.jupiter.api.Assertions.assertThrows(
                        IllegalStateException.class, () -> cuda.fill(t, 1f));
        assertEquals("the CUDA backend is closed", e.getMessage());
        s.close();
        assertEquals(before, FakeCuda.liveAllocations());
    }

    private static void save(Path file, Model m) throws java.io.IOException {
        ModelFile.save(
                file,
                m,
                dev.vtrain.data.FeatureScaling.none(FEATURES),
                java.util.List.of("a", "b", "c"),
                java.util.Map.of());
    }

    @ParameterizedTest
    @ValueSource(strings = {TestDevices.FAKE, TestDevices.GPU})
    void modelFilesMoveBetweenTheGpuAndTheCpu(String device, @TempDir Path dir) throws Exception {
        Path fromGpu = dir.resolve("gpu.safetensors");
        float[][] trained;
        try (CudaBackend cuda = TestDevices.open(device)) {
            trained = train(cuda, m -> new Adam(m, 1e-2f), 5);
            try (Model m = mlp(cuda)) {
                for (int i = 0; i < trained.length; i++) {
                    m.write(m.parameters().get(i).name(), trained[i]);
                }
                save(fromGpu, m);
            }
        }
        try (ScalarBackend cpu = new ScalarBackend();
                Model back = ModelFile.load(fromGpu).build(cpu, BATCH)) {
            for (int i = 0; i < trained.length; i++) {
                Parameter p = back.parameters().get(i);
                assertEquals(
                        java.util.Arrays.toString(trained[i]),
                        java.util.Arrays.toString(back.read(p.name())),
                        p.name() + " read on the CPU from a file written on the GPU");
            }
            Path fromCpu = dir.resolve("cpu.safetensors");
            save(fromCpu, back);
            try (CudaBackend cuda = TestDevices.open(device);
                    Model again = ModelFile.load(fromCpu).build(cuda, BATCH)) {
                for (int i = 0; i < trained.length; i++) {
                    assertEquals(
                            java.util.Arrays.toString(trained[i]),
                            java.util.Arrays.toString(again.read(again.parameters().get(i).name())),
                            "read back on the GPU");
                }
            }
        }
    }
}
