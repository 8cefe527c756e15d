package dev.vtrain.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.sun.management.ThreadMXBean;
import dev.vtrain.backend.cpu.CpuBackend;
import dev.vtrain.generate.TokenSampler;
import dev.vtrain.nn.Dropout;
import dev.vtrain.nn.Gpt;
import dev.vtrain.nn.GptDecoder;
import dev.vtrain.nn.Linear;
import dev.vtrain.nn.Model;
import dev.vtrain.nn.ReLU;
import dev.vtrain.nn.Recurrent;
import dev.vtrain.nn.RecurrentLanguageModel;
import dev.vtrain.nn.Sequential;
import dev.vtrain.nn.Sigmoid;
import dev.vtrain.nn.Tanh;
import dev.vtrain.nn.loss.CrossEntropyLoss;
import dev.vtrain.nn.loss.SequenceCrossEntropyLoss;
import dev.vtrain.nn.spec.Layers;
import dev.vtrain.optim.Adam;
import dev.vtrain.optim.AdamW;
import dev.vtrain.optim.Optimizer;
import dev.vtrain.optim.SGD;
import dev.vtrain.tensor.Shape;
import dev.vtrain.tensor.Tensor;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * After warm-up, a full training step (zero grad, forward, loss, backward, optimizer) allocates 0
 * heap bytes on the calling thread and on every worker thread. A Vector API kernel that fell off
 * its intrinsics would box vectors and fail this test. At the native species it runs in a JVM of
 * its own (tag {@code allocation}): after the whole suite, C2 had given up optimising some hot
 * paths (escape analysis no longer removed per-step views) and the same steps allocated about 5 KB
 * each.
 */
@Tag("kernels")
@Tag("allocation")
class ZeroAllocationTest {
    @ParameterizedTest(name = "{0} threads, {1}")
    @CsvSource({"1,adam", "2,adam", "2,sgd"})
    void trainingStepAllocatesNothing(int threads, String optimizer) {
        ThreadMXBean mx = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (CpuBackend backend = new CpuBackend(threads);
                Model model =
                        Model.build(
                                new Sequential(
                                        new Linear(784, 256),
                                        new ReLU(),
                                        new Dropout(0.2f),
                                        new Linear(256, 128),
                                        new Tanh(),
                                        new Linear(128, 32),
                                        new Sigmoid(),
                                        new Linear(32, 10)),
                                784,
                                128,
                                backend,
                                1);
                Optimizer opt =
                        optimizer.equals("adam")
                                ? new Adam(model, 1e-3f)
                                : new SGD(model, 0.01f, 0.9f, 0, 1e-4f, true);
                Trainer trainer = new Trainer(model, new CrossEntropyLoss(), opt)) {
            measure(mx, backend, trainer, 784, 128, new int[] {128, 100, 1}, 10, 1);
        }
    }

    /**
     * With a flight recording of every training step running (and after one, which is what made a
     * fresh event object per step allocate), a step still allocates nothing.
     */
    @org.junit.jupiter.api.Test
    void trainingStepAllocatesNothingWhileFlightRecorderRecordsEachStep() {
        ThreadMXBean mx = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (jdk.jfr.Recording recording = new jdk.jfr.Recording();
                CpuBackend backend = new CpuBackend(1);
                Model model =
                        Model.build(
                                new Sequential(new Linear(64, 32), new ReLU(), new Linear(32, 10)),
                                64,
                                32,
                                backend,
                                1);
                Optimizer opt = new Adam(model, 1e-3f);
                Trainer trainer = new Trainer(model, new CrossEntropyLoss(), opt)) {
            recording.enable("dev.vtrain.TrainingStep").withThreshold(java.time.Duration.ZERO);
            recording.setToDisk(false);
            recording.setMaxSize(4 << 20);
            recording.start();
            measure(mx, backend, trainer, 64, 32, new int[] {32, 20, 1}, 10, 1);
            recording.stop();
        }
    }

    @ParameterizedTest(name = "conv net, {0} threads")
    @CsvSource({"1", "2"})
    void convNetTrainingStepAllocatesNothing(int threads) {
        ThreadMXBean mx = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        Shape in = Shape.of(3, 12, 12);
        try (CpuBackend backend = new CpuBackend(threads);
                Model model =
                        Model.build(
                                Layers.fromSpec(
                                        "conv2d(8,3,padding=1),batchnorm2d,relu,maxpool2d(2),"
                                                + "residual(conv2d(8,3,padding=1,groups=2,bias=False),batchnorm2d,relu),"
                                                + "conv2d(6,1),avgpool2d(2),flatten,dropout(0.1),linear(16),relu,linear(10)",
                                        in),
                                in,
                                16,
                                backend,
                                1);
                Optimizer opt = new Adam(model, 1e-3f);
                Trainer trainer = new Trainer(model, new CrossEntropyLoss(), opt)) {
            measure(mx, backend, trainer, in.size(), 16, new int[] {16, 9, 1}, 10, 1);
        }
    }

    @ParameterizedTest(name = "GPT, {0} threads")
    @CsvSource({"1", "2"})
    void gptTrainingStepAllocatesNothing(int threads) {
        ThreadMXBean mx = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (CpuBackend backend = new CpuBackend(threads);
                Model model =
                        Model.build(
                                new Gpt(13, 16, 2, 2, 32, true, 0.1f),
                                Shape.of(16),
                                8,
                                backend,
                                1);
                Optimizer opt = new AdamW(model, 1e-3f);
                Trainer trainer = new Trainer(model, new SequenceCrossEntropyLoss(13), opt)) {
            measure(mx, backend, trainer, 16, 8, new int[] {8, 5, 1}, 13, 16);
        }
    }

    @ParameterizedTest(name = "{0} language model, 2 threads")
    @CsvSource({"LSTM", "GRU"})
    void recurrentTrainingStepAllocatesNothing(Recurrent.Cell cell) {
        ThreadMXBean mx = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (CpuBackend backend = new CpuBackend(2);
                Model model =
                        Model.build(
                                new RecurrentLanguageModel(cell, 13, 8, 24, 2),
                                Shape.of(12),
                                8,
                                backend,
                                1);
                Optimizer opt = new AdamW(model, 1e-3f);
                Trainer trainer = new Trainer(model, new SequenceCrossEntropyLoss(13), opt)) {
            measure(mx, backend, trainer, 12, 8, new int[] {8, 5, 1}, 13, 12);
        }
    }

    @org.junit.jupiter.api.Test
    void generatedTokenAllocatesNothing() {
        ThreadMXBean mx = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (CpuBackend backend = new CpuBackend(1);
                Model model =
                        Model.build(new Gpt(13, 16, 2, 2, 32, false), Shape.of(16), 1, backend, 1);
                GptDecoder decoder = new GptDecoder(model)) {
            TokenSampler sampler = new TokenSampler(13, 0.8f, 5, 1);
            float[] logits = new float[13];
            int[] context = new int[16];
            long self = Thread.currentThread().threadId();
            List<Long> windows = new ArrayList<>();
            int zerosInARow = 0;
            for (int w = 0; w < 80 && zerosInARow < 3; w++) {
                long before = mx.getThreadAllocatedBytes(self);
                for (int i = 0; i < 400; i++) {
                    Tensor out =
                            decoder.position() == 16
                                    ? decoder.prefill(context, 0, 8)
                                    : decoder.next(context[decoder.position() % 16]);
                    backend.download(out, logits, 0);
                    context[(i + 3) % 16] = sampler.sample(logits);
                }
                long allocated = mx.getThreadAllocatedBytes(self) - before;
                windows.add(allocated);
                zerosInARow = w >= 20 && allocated == 0 ? zerosInARow + 1 : 0;
            }
            assertEquals(
                    3,
                    zerosInARow,
                    "bytes allocated per window of 400 generated tokens: " + windows);
        }
    }

    private static void measure(
            ThreadMXBean mx,
            CpuBackend backend,
            Trainer trainer,
            int features,
            int rows,
            int[] batches,
            int classes,
            int targetWidth) {
        boolean classify = targetWidth == 1;
        float[] x = new float[rows * features];
        float[] y = new float[rows * targetWidth];
        for (int i = 0; i < x.length; i++) {
            x[i] = classify ? (i % 255) / 255f : i % classes;
        }
        for (int i = 0; i < y.length; i++) {
            y[i] = i % classes;
        }
        // Every per-step feature on: dropout, L1, clipping by value and by norm, finite check.
        trainer.configure(
                TrainingOptions.builder().l1(1e-5f).clipValue(5f).clipNorm(1f, false).build());
        backend.upload(x, 0, trainer.input());
        backend.upload(y, 0, trainer.target());
        for (int warm = 0; warm < 3000; warm++) {
            trainer.step(batches[warm % 3], 1e-3f, classify);
        }
        // The JIT may still recompile a method now and then during the first few thousand steps
        // (a transient of a few hundred bytes while code briefly runs unoptimised). Steady
        // state is
        // what counts: three consecutive windows of 200 steps must allocate exactly 0 bytes. A
        // kernel that allocates on every call never yields a zero window and fails.
        long[] ids = threadIds(backend);
        List<Long> windows = new ArrayList<>();
        int zerosInARow = 0;
        for (int w = 0; w < 60 && zerosInARow < 3; w++) {
            long before = total(mx, ids);
            for (int i = 0; i < 200; i++) {
                trainer.step(batches[i % 3], 1e-3f, classify);
            }
            long allocated = total(mx, ids) - before;
            windows.add(allocated);
            zerosInARow = allocated == 0 ? zerosInARow + 1 : 0;
        }
        assertEquals(
                3,
                zerosInARow,
                "bytes allocated per window of 200 training steps on "
                        + backend.description()
                        + ": "
                        + windows);
    }

    private static long[] threadIds(CpuBackend backend) {
        return backend.workerThreadIds();
    }

    /**
     * Bytes allocated so far by this thread and the workers; measuring allocates nothing itself.
     */
    private static long total(ThreadMXBean mx, long[] workerIds) {
        long sum = mx.getCurrentThreadAllocatedBytes();
        for (long id : workerIds) {
            sum += mx.getThreadAllocatedBytes(id);
        }
        return sum;
    }
}
