package dev.vtrain.backend.cpu;

import dev.vtrain.backend.Activation;
import dev.vtrain.backend.Backend;
import dev.vtrain.backend.ShapeChecks;
import dev.vtrain.tensor.HostStorage;
import dev.vtrain.tensor.Storage;
import dev.vtrain.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The Vector API CPU backend: SIMD kernels at the JVM's preferred float species, GEMM and large
 * element-wise passes split across a persistent {@link Parallel} pool. Allocates nothing per call.
 * Not thread-safe: as {@link Backend} requires, one thread calls it at a time; each call runs on
 * the calling thread, may split its work across the backend's own {@link Parallel} pool, and
 * returns when every task is done.
 */
public final class CpuBackend implements Backend {
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;

    private final Parallel parallel;
    private final CpuConvOps conv;
    private final CpuNormOps norms;

    @Override
    public dev.vtrain.backend.ConvOps conv() {
        return conv;
    }

    private final CpuUpdateOps updates = new CpuUpdateOps(this);

    @Override
    public dev.vtrain.backend.UpdateOps updates() {
        return updates;
    }

    @Override
    public dev.vtrain.backend.NormOps norms() {
        return norms;
    }

    private final CpuSequenceOps sequence;
    private final Gemv gemv;

    @Override
    public dev.vtrain.backend.SequenceOps sequence() {
        return sequence;
    }

    private static final long SMALL_B_FLOATS = 1 << 14;
    private final GemmJob gemmJob = new GemmJob();
    private final ReductionGemm reductionGemm;
    private final HostStorage smallBStorage = HostStorage.allocate(SMALL_B_FLOATS);
    private final MemorySegment smallB = smallBStorage.segment();
    private final HostStorage shortStorage = HostStorage.allocate(ShortGemm.scratchFloats());
    private final ShortGemm shortGemm;
    private final ColumnSums columnSums;
    final UpdateJob updateJob = new UpdateJob();
    private final BiasGradJob biasGradJob = new BiasGradJob();
    // Scratch for lane reductions, one slot per thread; operations that run on the calling
    // thread alone use slot 0, which no task of theirs shares.
    private final HostStorage scratchStorage;
    private final MemorySegment scratch;
    // Packing buffers of the packed SGEMM, one per thread.
    private final HostStorage packStorage;

    /**
     * A CPU backend running on {@code threads} threads (the caller and {@code threads - 1}
     * workers).
     *
     * @throws IllegalArgumentException if {@code threads < 1}
     */
    public CpuBackend(int threads) {
        this(threads, GemmStrategy.AUTO);
    }

    /**
     * A CPU backend running on {@code threads} threads whose SGEMM follows {@code gemm} (for
     * benchmarks and tests; {@link GemmStrategy#AUTO} is the right choice otherwise).
     *
     * @throws IllegalArgumentException if {@code threads < 1}
     */
    public CpuBackend(int threads, GemmStrategy gemm) {
        this.parallel = new Parallel(threads);
        this.conv = new CpuConvOps(parallel);
        this.norms = new CpuNormOps(parallel);
        this.sequence = new CpuSequenceOps(parallel, this);
        this.gemv = new Gemv(parallel);
        this.reductionGemm = new ReductionGemm(parallel);
        this.shortGemm = new ShortGemm(parallel, shortStorage.segment());
        this.columnSums = new ColumnSums(parallel);
        this.scratchStorage = HostStorage.allocate((long) threads * VectorReduce.SCRATCH_FLOATS);
        this.scratch = scratchStorage.segment();
        gemmJob.scratch = scratch;
        this.packStorage = HostStorage.allocate((long) threads * PackedGemm.SCRATCH_FLOATS);
        gemmJob.packs = packStorage.segment();
        gemmJob.heapB = new float[threads][HeapTileGemm.B_FLOATS];
        gemmJob.heapA = new float[threads][HeapTileGemm.A_FLOATS];
        gemmJob.heapTile = new float[threads][GemmJob.TILE_FLOATS];
        gemmJob.strategy = java.util.Objects.requireNonNull(gemm, "gemm");
        updateJob.scratch = scratch;
    }

    /** Bits in one vector of the float species the kernels use. */
    public static int vectorBits() {
        return VectorGemm.S.vectorBitSize();
    }

    /** Float lanes per vector. */
    public static int lanes() {
        return VectorGemm.L;
    }

    /** Threads this backend splits work across, the caller included. */
    public int threads() {
        return parallel.threads();
    }

    /** The worker threads' ids (for allocation measurements). */
    public long[] workerThreadIds() {
        return parallel.workerThreadIds();
    }

    @Override
    public String name() {
        return "cpu";
    }

    @Override
    public String description() {
        return "Vector API, "
                + vectorBits()
                + "-bit float species ("
                + lanes()
                + " lanes), "
                + threads()
                + (threads() == 1 ? " thread" : " threads")
                + (gemmJob.strategy == GemmStrategy.AUTO
                        ? ""
                        : ", "
                                + gemmJob.strategy.name().toLowerCase(java.util.Locale.ROOT)
                                + " GEMM");
    }

    @Override
    public Storage allocate(long elements) {
        return HostStorage.allocate(elements);
    }

    @Override
    public void upload(float[] src, int srcOffset, Tensor dst) {
        ShapeChecks.hostRange("upload", src, srcOffset, dst.size());
        MemorySegment.copy(src, srcOffset, dst.segment(), F, dst.byteOffset(), (int) dst.size());
    }

    @Override
    public void download(Tensor src, float[] dst, int dstOffset) {
        ShapeChecks.hostRange("download", dst, dstOffset, src.size());
        MemorySegment.copy(src.segment(), F, src.byteOffset(), dst, dstOffset, (int) src.size());
    }

    @Override
    public void fill(Tensor t, float value) {
        VectorOps.fill(t.segment(), t.byteOffset(), t.size(), value);
    }

    @Override
    public void gemm(
            Tensor c, Tensor a, boolean transA, Tensor b, boolean transB, float alpha, float beta) {
        ShapeChecks.gemm(c, a, transA, b, transB);
        runGemm(c, a, transA, b, transB, alpha, beta, null, Epilogue.NONE);
    }

    @Override
    public void linear(Tensor out, Tensor x, Tensor weight, Tensor bias, Activation f) {
        ShapeChecks.gemm(out, x, false, weight, true);
        if (bias != null) {
            ShapeChecks.length("linear", bias, out.cols());
        }
        DenseRows rows = null;
        if (gemmJob.strategy == GemmStrategy.AUTO) {
            if (out.rows() == 1) {
                rows = gemv;
            } else if (ShortGemm.suits(out.rows(), out.cols(), x.cols())) {
                rows = shortGemm;
            }
        }
        if (rows != null) {
            rows.run(
                    out.segment(),
                    out.byteOffset(),
                    x.segment(),
                    x.byteOffset(),
                    weight.segment(),
                    weight.byteOffset(),
                    bias == null ? null : bias.segment(),
                    bias == null ? 0 : bias.byteOffset(),
                    out.rows(),
                    out.cols(),
                    x.cols());
            if (f != null) {
                activation(f, out, out);
            }
            return;
        }
        if (runGemm(out, x, false, weight, true, 1f, 0f, bias, Epilogue.of(f))) {
            return;
        }
        if (bias != null) {
            addRowVector(out, bias);
        }
        if (f != null) {
            activation(f, out, out);
        }
    }

    /**
     * Runs {@code c = alpha · op(a) · op(b) + beta · c}; on the packed path also adds {@code bias}
     * (may be null) and applies {@code epilogue} as C is written, and returns true. Returns false
     * when the bias and epilogue were not applied (unpacked path, or nothing to compute).
     */
    private boolean runGemm(
            Tensor c,
            Tensor a,
            boolean transA,
            Tensor b,
            boolean transB,
            float alpha,
            float beta,
            Tensor bias,
            int epilogue) {
        int m = c.rows();
        int n = c.cols();
        int k = transA ? a.rows() : a.cols();
        if (m == 0 || n == 0) {
            return true;
        }
        if (k == 0) {
            if (beta == 0f) {
                fill(c, 0f);
            } else {
                scale(c, beta);
            }
            return false;
        }
        if (gemmJob.strategy == GemmStrategy.AUTO && ReductionGemm.suits(transA, transB, m, n, k)) {
            reductionGemm.run(
                    a.segment(),
                    a.byteOffset(),
                    a.cols(),
                    b.segment(),
                    b.byteOffset(),
                    b.cols(),
                    c.segment(),
                    c.byteOffset(),
                    m,
                    n,
                    k,
                    alpha,
                    beta);
            return false;
        }
        MemorySegment bSeg = b.segment();
        long bOff = b.byteOffset();
        int ldb = b.cols();
        boolean tb = transB;
        if (gemmJob.strategy == GemmStrategy.AUTO
                && transB
                && !transA
                && k < GemmPlan.MIN_PACKED
                && n >= VectorGemm.L
                && (long) n * k <= SMALL_B_FLOATS
                && !GemmPlan.packed(gemmJob.strategy, m, n, k)) {
            // A short k with B transposed (x · Wᵀ of a convolution over few input channels): the
            // dot kernels would reduce across lanes for every output; with a transposed copy of
            // the small B the broadcast kernels vectorise along n instead.
            MemorySegment src = b.segment();
            long so = b.byteOffset();
            for (int j = 0; j < n; j++) {
                for (int kk = 0; kk < k; kk++) {
                    smallB.setAtIndex(
                            F,
                            (long) kk * n + j,
                            src.get(F, so + ((long) j * ldb + kk) * Float.BYTES));
                }
            }
            bSeg = smallB;
            bOff = 0;
            ldb = n;
            tb = false;
        }
        int tasks =
                gemmJob.prepare(
                        a.segment(),
                        a.byteOffset(),
                        a.cols(),
                        transA,
                        bSeg,
                        bOff,
                        ldb,
                        tb,
                        c.segment(),
                        c.byteOffset(),
                        m,
                        n,
                        k,
                        alpha,
                        beta,
                        parallel.threads());
        boolean fused = gemmJob.packed();
        if (fused && bias != null) {
            gemmJob.epilogue(bias.segment(), bias.byteOffset(), epilogue);
        } else if (fused) {
            gemmJob.epilogue(null, 0, epilogue);
        }
        try {
            parallel.forEach(tasks, gemmJob);
        } finally {
            gemmJob.clear();
        }
        return fused;
    }

    @Override
    public void activationBackwardWithBiasGrad(
            Activation f, Tensor out, Tensor gradOut, Tensor gradIn, Tensor biasGrad, float beta) {
        ShapeChecks.same("activationBackward", out, gradOut);
        ShapeChecks.same("activationBackward", out, gradIn);
        ShapeChecks.length("activationBackwardWithBiasGrad", biasGrad, out.cols());
        int tasks =
                biasGradJob.prepare(
                        f,
                        out.segment(),
                        out.byteOffset(),
                        gradOut.segment(),
                        gradOut.byteOffset(),
                        gradIn.segment(),
                        gradIn.byteOffset(),
                        out.rows(),
                        out.cols(),
                        biasGrad.segment(),
                        biasGrad.byteOffset(),
                        beta,
                        parallel.threads());
        try {
            parallel.forEach(tasks, biasGradJob);
        } finally {
            biasGradJob.clear();
        }
    }

    @Override
    public void addRowVector(Tensor x, Tensor bias) {
        ShapeChecks.length("addRowVector", bias, x.cols());
        VectorOps.addRowVector(
                x.segment(),
                x.byteOffset(),
                bias.segment(),
                bias.byteOffset(),
                x.cols(),
                0,
                x.rows());
    }

    @Override
    public void sumRows(Tensor src, Tensor dst, float beta) {
        ShapeChecks.length("sumRows", dst, src.cols());
        if (ColumnSums.suits(src.rows(), src.cols())) {
            columnSums.run(
                    src.segment(),
                    src.byteOffset(),
                    src.rows(),
                    src.cols(),
                    dst.segment(),
                    dst.byteOffset(),
                    beta);
            return;
        }
        VectorOps.sumRows(
                src.segment(),
                src.byteOffset(),
                src.rows(),
                src.cols(),
                dst.segment(),
                dst.byteOffset(),
                beta,
                0,
                src.cols());
    }

    @Override
    public void activation(Activation f, Tensor in, Tensor out) {
        ShapeChecks.same("activation", in, out);
        UpdateJob j = updateJob;
        j.kind = UpdateJob.Kind.ACTIVATION;
        j.activation = f;
        j.n = in.size();
        j.s0 = in.segment();
        j.o0 = in.byteOffset();
        j.s1 = out.segment();
        j.o1 = out.byteOffset();
        runUpdate();
    }

    @Override
    public void activationBackward(Activation f, Tensor out, Tensor gradOut, Tensor gradIn) {
        ShapeChecks.same("activationBackward", out, gradOut);
        ShapeChecks.same("activationBackward", out, gradIn);
        UpdateJob j = updateJob;
        j.kind = UpdateJob.Kind.ACTIVATION_BACKWARD;
        j.activation = f;
        j.n = out.size();
        j.s0 = out.segment();
        j.o0 = out.byteOffset();
        j.s1 = gradOut.segment();
        j.o1 = gradOut.byteOffset();
        j.s2 = gradIn.segment();
        j.o2 = gradIn.byteOffset();
        runUpdate();
    }

    void runUpdate() {
        try {
            parallel.forEach(updateJob.tasks(), updateJob);
        } finally {
            updateJob.clear();
        }
    }

    private static void addScalar(Tensor t, float v) {
        MemorySegment s = t.segment();
        s.set(F, t.byteOffset(), s.get(F, t.byteOffset()) + v);
    }

    @Override
    public void softmaxCrossEntropy(
            Tensor logits, Tensor labels, Tensor gradLogits, float gradScale, Tensor lossSum) {
        ShapeChecks.classification("softmaxCrossEntropy", logits, labels, gradLogits);
        float loss =
                VectorOps.softmaxCrossEntropy(
                        logits.segment(),
                        logits.byteOffset(),
                        logits.cols(),
                        labels.segment(),
                        labels.byteOffset(),
                        gradLogits == null ? null : gradLogits.segment(),
                        gradLogits == null ? 0 : gradLogits.byteOffset(),
                        gradScale,
                        0,
                        logits.rows(),
                        scratch,
                        0);
        addScalar(lossSum, loss);
    }

    /** {@link VectorOps#softmaxCrossEntropy} over rows [r0, r1), for the sequence family. */
    float softmaxCrossEntropyRows(
            Tensor logits, Tensor labels, Tensor gradLogits, float gradScale, int r0, int r1) {
        return VectorOps.softmaxCrossEntropy(
                logits.segment(),
                logits.byteOffset(),
                logits.cols(),
                labels.segment(),
                labels.byteOffset(),
                gradLogits == null ? null : gradLogits.segment(),
                gradLogits == null ? 0 : gradLogits.byteOffset(),
                gradScale,
                r0,
                r1,
                scratch,
                0);
    }

    @Override
    public void squaredError(
            Tensor pred, Tensor target, Tensor grad, float gradScale, Tensor lossSum) {
        ShapeChecks.same("squaredError", pred, target);
        if (grad != null) {
            ShapeChecks.same("squaredError", pred, grad);
        }
        float loss =
                VectorOps.squaredError(
                        pred.segment(),
                        pred.byteOffset(),
                        target.segment(),
                        target.byteOffset(),
                        grad == null ? null : grad.segment(),
                        grad == null ? 0 : grad.byteOffset(),
                        gradScale,
                        pred.size(),
                        scratch,
                        0);
        addScalar(lossSum, loss);
    }

    @Override
    public void countCorrect(Tensor logits, Tensor labels, Tensor correct) {
        ShapeChecks.classification("countCorrect", logits, labels, null);
        int hits =
                VectorOps.countCorrect(
                        logits.segment(),
                        logits.byteOffset(),
                        logits.cols(),
                        labels.segment(),
                        labels.byteOffset(),
                        0,
                        logits.rows());
        addScalar(correct, hits);
    }

    @Override
    public double sumOfSquares(Tensor x) {
        return VectorOps.sumOfSquares(x.segment(), x.byteOffset(), x.size(), scratch, 0);
    }

    @Override
    public void scale(Tensor x, float s) {
        VectorOps.scale(x.segment(), x.byteOffset(), x.size(), s);
    }

    @Override
    public void copy(Tensor src, Tensor dst) {
        ShapeChecks.length("copy", dst, src.size());
        MemorySegment.copy(
                src.segment(),
                src.byteOffset(),
                dst.segment(),
                dst.byteOffset(),
                src.size() * Float.BYTES);
    }

    @Override
    public void multiply(Tensor a, Tensor b, Tensor out) {
        elementwise(UpdateJob.Kind.MULTIPLY, "multiply", a, b, out);
    }

    @Override
    public void add(Tensor a, Tensor b, Tensor out) {
        elementwise(UpdateJob.Kind.ADD, "add", a, b, out);
    }

    /** A two-input element-wise pass {@code out = a ∘ b} on the pool. */
    private void elementwise(UpdateJob.Kind kind, String op, Tensor a, Tensor b, Tensor out) {
        ShapeChecks.same(op, a, b);
        ShapeChecks.same(op, a, out);
        UpdateJob j = updateJob;
        j.kind = kind;
        j.n = a.size();
        j.s0 = a.segment();
        j.o0 = a.byteOffset();
        j.s1 = b.segment();
        j.o1 = b.byteOffset();
        j.s2 = out.segment();
        j.o2 = out.byteOffset();
        runUpdate();
    }

    @Override
    public void clamp(Tensor x, float lo, float hi) {
        VectorOps.clamp(x.segment(), x.byteOffset(), x.size(), lo, hi);
    }

    @Override
    public double addL1Gradient(Tensor param, Tensor grad, float lambda) {
        ShapeChecks.same("addL1Gradient", param, grad);
        return VectorOps.addL1Gradient(
                param.segment(),
                param.byteOffset(),
                grad.segment(),
                grad.byteOffset(),
                param.size(),
                lambda,
                scratch,
                0);
    }

    @Override
    public void dropoutMask(Tensor mask, float p, long key) {
        UpdateJob j = updateJob;
        j.kind = UpdateJob.Kind.DROPOUT_MASK;
        j.n = mask.size();
        j.s0 = mask.segment();
        j.o0 = mask.byteOffset();
        j.beta1 = p;
        j.key = key;
        runUpdate();
    }

    @Override
    public void close() {
        parallel.close();
        reductionGemm.close();
        smallBStorage.close();
        shortStorage.close();
        columnSums.close();
        scratchStorage.close();
        packStorage.close();
    }
}
