package dev.vtrain.backend.cuda;

import dev.vtrain.backend.Activation;
import dev.vtrain.backend.Backend;
import dev.vtrain.backend.ConvOps;
import dev.vtrain.backend.DropoutHash;
import dev.vtrain.backend.NormOps;
import dev.vtrain.backend.ShapeChecks;
import dev.vtrain.backend.UpdateOps;
import dev.vtrain.tensor.Storage;
import dev.vtrain.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The CUDA backend: every tensor lives in device memory, GEMM runs in cuBLAS ({@link CudaGemm}),
 * the other core ops, the optimizer updates ({@link CudaUpdateOps}), convolution and pooling
 * ({@link CudaConvOps}) and batch normalisation ({@link CudaNormOps}) in vtrain's kernels. Work is
 * queued on one stream and only {@link #download}, {@link #sumOfSquares} and {@link #addL1Gradient}
 * wait for it. The sequence family (embeddings, layer norm, attention, recurrent cells) is not on
 * the GPU yet: it returns null, so a model that needs it fails when it is built, naming the family.
 *
 * <p>Differences a caller may see from the CPU backends: a label that is not a class index is found
 * by the kernel and reported (as the same {@link IllegalArgumentException}) at the next call that
 * waits for the stream, not by the call that read it; sums run in a different order, so results
 * agree with the scalar reference within rounding, not bit for bit. Reductions are deterministic:
 * the same inputs give the same bits on the same GPU.
 *
 * <p>Used by one thread at a time (it binds its context to whichever thread calls it).
 */
public final class CudaBackend implements Backend {
    private static final int MAX_REDUCTION_BLOCKS = 1024;
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT;

    private final CudaContext context;
    private final CudaDriver driver;
    private final Arena arena = Arena.ofShared();
    private final KernelArguments args = new KernelArguments(arena);
    private final CudaGemm gemm;
    private final CudaUpdateOps updates;
    private final CudaConvOps conv;
    private final CudaNormOps norms;
    private final long errorFlag;
    private final long reduction;
    private final MemorySegment mailboxResult;
    private long rowScratch;
    private long rowScratchFloats;
    private boolean closed;

    CudaBackend(CudaContext context) {
        this.context = context;
        this.driver = context.driver;
        this.gemm = new CudaGemm(context, arena);
        this.updates = new CudaUpdateOps(this);
        this.conv = new CudaConvOps(this);
        this.norms = new CudaNormOps(this);
        this.errorFlag = context.allocateZeroed(16);
        this.reduction = context.allocateZeroed((MAX_REDUCTION_BLOCKS + 1) * 8L);
        this.mailboxResult = context.mailbox().asSlice(16);
    }

    /**
     * Opens the GPU that {@link CudaProbe} would use, after the probe has passed.
     *
     * @throws IllegalStateException with the probe's reason when no usable GPU is present
     */
    public static CudaBackend open() {
        CudaProbe.Result probe = CudaProbe.cached();
        if (!probe.usable()) {
            throw new IllegalStateException(probe.reason());
        }
        return over(CudaProbe.openContext());
    }

    /** A backend over {@code context}, which is closed again if the backend cannot be made. */
    static CudaBackend over(CudaContext context) {
        try {
            return new CudaBackend(context);
        } catch (RuntimeException | Error e) {
            try {
                context.close();
            } catch (RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /**
     * The layer types whose ops all run on this backend: the core family, the updates, convolution
     * and pooling, and batch normalisation.
     */
    private static final java.util.Set<String> LAYERS =
            java.util.Set.of(
                    "sequential",
                    "residual",
                    "linear",
                    "relu",
                    "sigmoid",
                    "tanh",
                    "dropout",
                    "flatten",
                    "conv2d",
                    "maxpool2d",
                    "avgpool2d",
                    "adaptiveavgpool2d",
                    "batchnorm1d",
                    "batchnorm2d");

    /**
     * The layer types of {@code model} this backend cannot run yet (their op families are not on
     * the GPU), comma-separated, or null when it runs them all. Any thread may call it.
     */
    public static String unsupportedLayers(dev.vtrain.nn.LayerSpec model) {
        java.util.TreeSet<String> missing = new java.util.TreeSet<>();
        collectUnsupported(model, missing);
        return missing.isEmpty() ? null : String.join(", ", missing) + " layers";
    }

    private static void collectUnsupported(
            dev.vtrain.nn.LayerSpec spec, java.util.Set<String> missing) {
        if (!LAYERS.contains(spec.type())) {
            missing.add(spec.type());
        }
        for (dev.vtrain.nn.LayerSpec child : spec.children()) {
            collectUnsupported(child, missing);
        }
    }

    /** The device address of a tensor's first element. */
    static long pointer(Tensor t) {
        if (!(t.storage() instanceof CudaStorage s)) {
            throw new IllegalArgumentException(
                    "tensor " + t + " is not in CUDA device memory (it was allocated elsewhere)");
        }
        return s.pointer() + t.byteOffset();
    }

    KernelArguments args() {
        context.bind();
        return args.begin();
    }

    void run(Kernel k, int grid) {
        driver.launch(context.function(k), grid, Kernel.BLOCK, context.stream(), args.pointers());
    }

    static int grid(long n) {
        long blocks = (n + Kernel.BLOCK - 1) / Kernel.BLOCK;
        return (int) Math.max(1, Math.min(blocks, 1 << 20));
    }

    /** Blocks of a reduction: a function of n only, so every GPU sums in the same order. */
    private static int reductionGrid(long n) {
        long blocks = (n + Kernel.BLOCK - 1) / Kernel.BLOCK;
        return (int) Math.max(1, Math.min(blocks, MAX_REDUCTION_BLOCKS));
    }

    /** Device scratch of at least {@code floats} floats, grown (once per new maximum) on demand. */
    long rowScratch(long floats) {
        if (floats > rowScratchFloats) {
            if (rowScratch != 0) {
                context.free(rowScratch, rowScratchFloats * Float.BYTES);
            }
            long size = Math.max(floats, 2 * rowScratchFloats);
            rowScratch = context.allocateZeroed(size * Float.BYTES);
            rowScratchFloats = size;
        }
        return rowScratch;
    }

    @Override
    public String name() {
        return "cuda";
    }

    @Override
    public String description() {
        return "cuda: "
                + context.deviceName
                + ", sm_"
                + context.computeMajor
                + context.computeMinor
                + ", "
                + context.multiprocessors
                + " SMs, "
                + (context.totalMemory >> 20)
                + " MiB, cuBLAS "
                + context.cublasVersion
                + (context.tf32 ? ", TF32 GEMM" : ", FP32 GEMM (TF32 off)");
    }

    @Override
    public Storage allocate(long elements) {
        if (elements < 0 || elements > Long.MAX_VALUE / Float.BYTES) {
            throw new IllegalArgumentException(
                    "Invalid storage size: " + elements + " elements (must be in [0, 2^61))");
        }
        return new CudaStorage(context, context.allocateZeroed(elements * Float.BYTES), elements);
    }

    @Override
    public void upload(float[] src, int srcOffset, Tensor dst) {
        ShapeChecks.hostRange("upload", src, srcOffset, dst.size());
        context.bind();
        long at = pointer(dst);
        int n = (int) dst.size();
        int chunk = CudaContext.STAGING_BYTES / Float.BYTES;
        for (int done = 0, len; done < n; done += len) {
            len = Math.min(chunk, n - done);
            MemorySegment stage = context.nextStaging();
            MemorySegment.copy(src, srcOffset + done, stage, F, 0, len);
            driver.copyHostToDevice(
                    at + (long) done * Float.BYTES,
                    stage,
                    (long) len * Float.BYTES,
                    context.stream());
            context.stagingQueued();
        }
    }

    @Override
    public void download(Tensor src, float[] dst, int dstOffset) {
        ShapeChecks.hostRange("download", dst, dstOffset, src.size());
        context.bind();
        long at = pointer(src);
        int n = (int) src.size();
        int chunk = CudaContext.STAGING_BYTES / Float.BYTES;
        for (int done = 0, len; done < n; done += len) {
            len = Math.min(chunk, n - done);
            MemorySegment stage = context.nextStaging();
            driver.copyDeviceToHost(
                    stage,
                    at + (long) done * Float.BYTES,
                    (long) len * Float.BYTES,
                    context.stream());
            driver.streamSynchronize(context.stream());
            MemorySegment.copy(stage, F, 0, dst, dstOffset + done, len);
        }
        checkErrors(0);
    }

    /**
     * Waits for the stream, copying {@code resultBytes} from the reduction's result slot and the
     * error flags into the mailbox first; throws a bad label's error if a kernel recorded one.
     */
    private void checkErrors(int resultBytes) {
        MemorySegment box = context.mailbox();
        driver.copyDeviceToHost(box, errorFlag, 16, context.stream());
        if (resultBytes > 0) {
            driver.copyDeviceToHost(
                    mailboxResult,
                    reduction + MAX_REDUCTION_BLOCKS * 8L,
                    resultBytes,
                    context.stream());
        }
        driver.streamSynchronize(context.stream());
        int row = box.get(ValueLayout.JAVA_INT, 0);
        if (row != 0) {
            float label = box.get(ValueLayout.JAVA_FLOAT, 4);
            int classes = box.get(ValueLayout.JAVA_INT, 8);
            driver.set32(errorFlag, 0, 4, context.stream());
            driver.streamSynchronize(context.stream());
            throw ShapeChecks.badLabel(label, row - 1, classes);
        }
    }

    @Override
    public void fill(Tensor t, float value) {
        context.bind();
        if (t.size() > 0) {
            driver.set32(pointer(t), Float.floatToRawIntBits(value), t.size(), context.stream());
        }
    }

    @Override
    public void gemm(
            Tensor c, Tensor a, boolean transA, Tensor b, boolean transB, float alpha, float beta) {
        context.bind();
        gemm.gemm(c, a, transA, b, transB, alpha, beta);
    }

    @Override
    public void addRowVector(Tensor x, Tensor bias) {
        ShapeChecks.length("addRowVector", bias, x.cols());
        if (x.size() == 0) {
            return;
        }
        args().i64(pointer(x)).i64(pointer(bias)).i64(x.size()).i32(x.cols());
        run(Kernel.ADD_ROW_VECTOR, grid(x.size()));
    }

    @Override
    public void sumRows(Tensor src, Tensor dst, float beta) {
        ShapeChecks.length("sumRows", dst, src.cols());
        if (src.cols() == 0) {
            return;
        }
        args().i64(pointer(src)).i64(pointer(dst)).i32(src.rows()).i32(src.cols()).f32(beta);
        run(Kernel.SUM_ROWS, grid(src.cols()));
    }

    /** The kernels' activation code (VT_RELU, VT_SIGMOID, VT_TANH in vt_common.cuh). */
    private static int code(Activation f) {
        return switch (f) {
            case RELU -> 0;
            case SIGMOID -> 1;
            case TANH -> 2;
        };
    }

    @Override
    public void activation(Activation f, Tensor in, Tensor out) {
        ShapeChecks.same("activation", in, out);
        if (in.size() == 0) {
            return;
        }
        args().i32(code(f)).i64(pointer(in)).i64(pointer(out)).i64(in.size());
        run(Kernel.ACTIVATION, grid(in.size()));
    }

    @Override
    public void activationBackward(Activation f, Tensor out, Tensor gradOut, Tensor gradIn) {
        ShapeChecks.same("activationBackward", out, gradOut);
        ShapeChecks.same("activationBackward", out, gradIn);
        if (out.size() == 0) {
            return;
        }
        args().i32(code(f))
                .i64(pointer(out))
                .i64(pointer(gradOut))
                .i64(pointer(gradIn))
                .i64(out.size());
        run(Kernel.ACTIVATION_BACKWARD, grid(out.size()));
    }

    @Override
    public void softmaxCrossEntropy(
            Tensor logits, Tensor labels, Tensor gradLogits, float gradScale, Tensor lossSum) {
        ShapeChecks.classification("softmaxCrossEntropy", logits, labels, gradLogits);
        int rows = logits.rows();
        if (rows == 0) {
            return;
        }
        long rowLoss = rowScratch(rows);
        args().i64(pointer(logits))
                .i64(pointer(labels))
                .i64(gradLogits == null ? 0L : pointer(gradLogits))
                .f32(gradScale)
                .i64(rowLoss)
                .i64(errorFlag)
                .i32(rows)
                .i32(logits.cols());
        run(Kernel.SOFTMAX_XENT, grid(rows));
        sumInto(rowLoss, rows, lossSum);
    }

    /** {@code dst[0] += Σ values[0..n)} in a fixed order. */
    private void sumInto(long values, long n, Tensor dst) {
        args().i64(values).i64(n).i64(pointer(dst));
        run(Kernel.SUM_INTO, 1);
    }

    @Override
    public void squaredError(
            Tensor pred, Tensor target, Tensor grad, float gradScale, Tensor lossSum) {
        ShapeChecks.same("squaredError", pred, target);
        if (grad != null) {
            ShapeChecks.same("squaredError", pred, grad);
        }
        long n = pred.size();
        if (n == 0) {
            return;
        }
        int blocks = reductionGrid(n);
        args().i64(pointer(pred))
                .i64(pointer(target))
                .i64(grad == null ? 0L : pointer(grad))
                .f32(gradScale)
                .i64(reduction)
                .i64(n);
        run(Kernel.SQUARED_ERROR, blocks);
        sumInto(reduction, blocks, lossSum);
    }

    @Override
    public void countCorrect(Tensor logits, Tensor labels, Tensor correct) {
        ShapeChecks.classification("countCorrect", logits, labels, null);
        int rows = logits.rows();
        if (rows == 0) {
            return;
        }
        long hits = rowScratch(rows);
        args().i64(pointer(logits)).i64(pointer(labels)).i64(hits).i32(rows).i32(logits.cols());
        run(Kernel.COUNT_CORRECT, grid(rows));
        sumInto(hits, rows, correct);
    }

    @Override
    public double sumOfSquares(Tensor x) {
        long n = x.size();
        if (n == 0) {
            return 0;
        }
        int blocks = reductionGrid(n);
        args().i64(pointer(x)).i64(n).i64(reduction);
        run(Kernel.SUM_SQUARES, blocks);
        return finishDoubleSum(blocks);
    }

    /** Sums the reduction's per-block doubles on the GPU and brings the total back. */
    private double finishDoubleSum(int blocks) {
        args().i64(reduction).i64(blocks).i64(reduction + MAX_REDUCTION_BLOCKS * 8L);
        run(Kernel.SUM_DOUBLE, 1);
        checkErrors(8);
        return context.mailbox().get(ValueLayout.JAVA_DOUBLE, 16);
    }

    @Override
    public void scale(Tensor x, float s) {
        if (x.size() == 0) {
            return;
        }
        args().i64(pointer(x)).f32(s).i64(x.size());
        run(Kernel.SCALE, grid(x.size()));
    }

    @Override
    public void copy(Tensor src, Tensor dst) {
        ShapeChecks.length("copy", dst, src.size());
        context.bind();
        if (src.size() > 0) {
            driver.copyDeviceToDevice(
                    pointer(dst), pointer(src), src.size() * Float.BYTES, context.stream());
        }
    }

    @Override
    public void multiply(Tensor a, Tensor b, Tensor out) {
        ShapeChecks.same("multiply", a, b);
        ShapeChecks.same("multiply", a, out);
        if (a.size() == 0) {
            return;
        }
        args().i64(pointer(a)).i64(pointer(b)).i64(pointer(out)).i64(a.size());
        run(Kernel.MULTIPLY, grid(a.size()));
    }

    @Override
    public void add(Tensor a, Tensor b, Tensor out) {
        ShapeChecks.same("add", a, b);
        ShapeChecks.same("add", a, out);
        if (a.size() == 0) {
            return;
        }
        args().i64(pointer(a)).i64(pointer(b)).i64(pointer(out)).i64(a.size());
        run(Kernel.ADD, grid(a.size()));
    }

    @Override
    public void clamp(Tensor x, float lo, float hi) {
        if (x.size() == 0) {
            return;
        }
        args().i64(pointer(x)).f32(lo).f32(hi).i64(x.size());
        run(Kernel.CLAMP, grid(x.size()));
    }

    @Override
    public double addL1Gradient(Tensor param, Tensor grad, float lambda) {
        ShapeChecks.same("addL1Gradient", param, grad);
        long n = param.size();
        if (n == 0) {
            return 0;
        }
        int blocks = reductionGrid(n);
        args().i64(pointer(param)).i64(pointer(grad)).f32(lambda).i64(n).i64(reduction);
        run(Kernel.ADD_L1, blocks);
        return finishDoubleSum(blocks);
    }

    @Override
    public void dropoutMask(Tensor mask, float p, long key) {
        if (mask.size() == 0) {
            return;
        }
        args().i64(pointer(mask))
                .i32(DropoutHash.threshold(p))
                .f32(1f / (1f - p))
                .i64(key)
                .i64(mask.size());
        run(Kernel.DROPOUT_MASK, grid(mask.size()));
    }

    @Override
    public UpdateOps updates() {
        return updates;
    }

    @Override
    public ConvOps conv() {
        return conv;
    }

    @Override
    public NormOps norms() {
        return norms;
    }

    /** Waits until every queued operation has finished. */
    public void synchronize() {
        context.synchronize();
    }

    /** Bytes of device memory this backend's context has allocated and not freed. */
    public long liveDeviceBytes() {
        return context.liveBytes();
    }

    /** Device allocations of this backend's context not yet freed. */
    public long liveDeviceAllocations() {
        return context.liveAllocations();
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        // The context frees the scratch, the reduction slots and the flags with everything else
        // still allocated, each step on its own (a failed step does not keep the others).
        try {
            context.close();
        } finally {
            arena.close();
        }
    }
}
