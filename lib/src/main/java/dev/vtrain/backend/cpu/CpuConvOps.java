package dev.vtrain.backend.cpu;

import dev.vtrain.backend.ConvGeometry;
import dev.vtrain.backend.ConvOps;
import dev.vtrain.backend.PoolGeometry;
import dev.vtrain.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Convolution and pooling on the CPU: one task per sample on the {@link Parallel} pool (so results
 * do not depend on the thread count), patches moved with bulk copies, gradients and maxima over
 * channels with Vector API lanes. Preallocated; the fields describe the call in progress.
 */
final class CpuConvOps implements ConvOps, Parallel.Body {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final ByteOrder O = ByteOrder.nativeOrder();
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;

    private enum Kind {
        IM2COL,
        COL2IM,
        GATHER,
        SCATTER,
        MAX_POOL,
        MAX_POOL_BACKWARD,
        AVG_POOL,
        AVG_POOL_BACKWARD,
        TRANSPOSE
    }

    private static final long ZERO_BYTES = 1 << 16;
    private static final MemorySegment ZEROS =
            java.lang.foreign.Arena.global().allocate(ZERO_BYTES, 64);

    private final Parallel parallel;
    private Kind kind;
    private Tensor a;
    private Tensor b;
    private Tensor c;
    private ConvGeometry conv;
    private PoolGeometry pool;
    private int group;
    private int offset;
    private int channels;
    private int hw;
    private boolean inverse;

    CpuConvOps(Parallel parallel) {
        this.parallel = parallel;
    }

    /** Zeroes a byte range without creating a slice (nothing allocated). */
    static void zero(MemorySegment seg, long offset, long bytes) {
        long done = 0;
        while (done < bytes) {
            long n = Math.min(ZERO_BYTES, bytes - done);
            MemorySegment.copy(ZEROS, 0, seg, offset + done, n);
            done += n;
        }
    }

    private void run(Kind k, int tasks) {
        kind = k;
        try {
            parallel.forEach(tasks, this);
        } finally {
            a = null;
            b = null;
            c = null;
        }
    }

    @Override
    public void im2col(Tensor cols, Tensor x, ConvGeometry g, int group) {
        a = cols;
        b = x;
        conv = g;
        this.group = group;
        run(Kind.IM2COL, x.rows());
    }

    @Override
    public void col2im(Tensor dx, Tensor dcols, ConvGeometry g, int group) {
        a = dx;
        b = dcols;
        conv = g;
        this.group = group;
        run(Kind.COL2IM, dx.rows());
    }

    @Override
    public void gatherColumns(Tensor dst, Tensor src, int offset) {
        a = dst;
        b = src;
        this.offset = offset;
        run(Kind.GATHER, (dst.rows() + 255) / 256);
    }

    @Override
    public void scatterColumns(Tensor dst, Tensor src, int offset) {
        a = dst;
        b = src;
        this.offset = offset;
        run(Kind.SCATTER, (src.rows() + 255) / 256);
    }

    @Override
    public void maxPool(Tensor y, Tensor argmax, Tensor x, PoolGeometry g) {
        a = y;
        b = argmax;
        c = x;
        pool = g;
        run(Kind.MAX_POOL, x.rows());
    }

    @Override
    public void maxPoolBackward(Tensor dx, Tensor dy, Tensor argmax, PoolGeometry g) {
        a = dx;
        b = dy;
        c = argmax;
        pool = g;
        run(Kind.MAX_POOL_BACKWARD, dx.rows());
    }

    @Override
    public void avgPool(Tensor y, Tensor x, PoolGeometry g) {
        a = y;
        c = x;
        pool = g;
        run(Kind.AVG_POOL, x.rows());
    }

    @Override
    public void avgPoolBackward(Tensor dx, Tensor dy, PoolGeometry g) {
        a = dx;
        b = dy;
        pool = g;
        run(Kind.AVG_POOL_BACKWARD, dx.rows());
    }

    @Override
    public void transposeSamples(Tensor dst, Tensor src, int c, int hw, boolean inverse) {
        a = dst;
        b = src;
        this.channels = c;
        this.hw = hw;
        this.inverse = inverse;
        run(Kind.TRANSPOSE, src.rows());
    }

    @Override
    public void run(int task, int worker) {
        switch (kind) {
            case IM2COL -> im2colSample(task);
            case COL2IM -> col2imSample(task);
            case GATHER -> columns(task, true);
            case SCATTER -> columns(task, false);
            case MAX_POOL -> maxPoolSample(task);
            case MAX_POOL_BACKWARD -> maxPoolBackwardSample(task);
            case AVG_POOL -> avgPoolSample(task, true);
            case AVG_POOL_BACKWARD -> avgPoolSample(task, false);
            case TRANSPOSE -> transposeSample(task);
        }
    }

    private void im2colSample(int s) {
        ConvGeometry g = conv;
        MemorySegment cs = a.segment();
        MemorySegment xs = b.segment();
        int cg = g.groupChannels();
        long runBytes = (long) cg * Float.BYTES;
        long pixelBytes = (long) g.c() * Float.BYTES;
        long xBase = b.byteOffset() + ((long) s * b.cols() + (long) group * cg) * Float.BYTES;
        long row = (long) s * g.oh() * g.ow();
        long dst = a.byteOffset() + row * g.patch() * Float.BYTES;
        // With one group and no dilation along w, a kernel row inside the image is one
        // contiguous run of kw · C floats in both the input and the patch.
        boolean rows = g.groups() == 1 && g.dw() == 1;
        long kernelRowBytes = (long) g.kw() * runBytes;
        for (int i = 0; i < g.oh(); i++) {
            for (int j = 0; j < g.ow(); j++) {
                int w0 = j * g.sw() - g.pw();
                boolean wInside = w0 >= 0 && w0 + (g.kw() - 1) * g.dw() < g.w();
                for (int ki = 0; ki < g.kh(); ki++) {
                    int hi = i * g.sh() - g.ph() + ki * g.dh();
                    boolean hInside = hi >= 0 && hi < g.h();
                    if (rows && hInside && wInside) {
                        copy(
                                xs,
                                xBase + ((long) hi * g.w() + w0) * pixelBytes,
                                cs,
                                dst,
                                kernelRowBytes);
                        dst += kernelRowBytes;
                        continue;
                    }
                    for (int kj = 0; kj < g.kw(); kj++) {
                        int wi = w0 + kj * g.dw();
                        if (hInside && wi >= 0 && wi < g.w()) {
                            copy(
                                    xs,
                                    xBase + ((long) hi * g.w() + wi) * pixelBytes,
                                    cs,
                                    dst,
                                    runBytes);
                        } else {
                            zero(cs, dst, runBytes);
                        }
                        dst += runBytes;
                    }
                }
            }
        }
    }

    /** Copies a short run of floats with vector moves (bulk copies cost more below a few KiB). */
    private static void copy(MemorySegment src, long so, MemorySegment dst, long dOff, long bytes) {
        long vb = (long) L * Float.BYTES;
        long p = 0;
        for (; p + vb <= bytes; p += vb) {
            FloatVector.fromMemorySegment(S, src, so + p, O).intoMemorySegment(dst, dOff + p, O);
        }
        for (; p < bytes; p += Float.BYTES) {
            dst.set(F, dOff + p, src.get(F, so + p));
        }
    }

    private void col2imSample(int s) {
        ConvGeometry g = conv;
        MemorySegment ds = a.segment();
        MemorySegment gs = b.segment();
        int cg = g.groupChannels();
        long xBase = a.byteOffset() + ((long) s * a.cols() + (long) group * cg) * Float.BYTES;
        long pixelBytes = (long) g.c() * Float.BYTES;
        if (g.groups() == 1) {
            zero(ds, xBase, (long) g.h() * g.w() * pixelBytes);
        } else {
            for (long p = 0; p < (long) g.h() * g.w(); p++) {
                zero(ds, xBase + p * pixelBytes, (long) cg * Float.BYTES);
            }
        }
        long row = (long) s * g.oh() * g.ow();
        long src = b.byteOffset() + row * g.patch() * Float.BYTES;
        int vecEnd = cg - cg % L;
        for (int i = 0; i < g.oh(); i++) {
            for (int j = 0; j < g.ow(); j++) {
                for (int ki = 0; ki < g.kh(); ki++) {
                    int hi = i * g.sh() - g.ph() + ki * g.dh();
                    for (int kj = 0; kj < g.kw(); kj++) {
                        int wi = j * g.sw() - g.pw() + kj * g.dw();
                        if (hi >= 0 && hi < g.h() && wi >= 0 && wi < g.w()) {
                            long dst = xBase + ((long) hi * g.w() + wi) * pixelBytes;
                            int ch = 0;
                            for (; ch < vecEnd; ch += L) {
                                long o = (long) ch * Float.BYTES;
                                FloatVector.fromMemorySegment(S, ds, dst + o, O)
                                        .add(FloatVector.fromMemorySegment(S, gs, src + o, O))
                                        .intoMemorySegment(ds, dst + o, O);
                            }
                            for (; ch < cg; ch++) {
                                long o = (long) ch * Float.BYTES;
                                ds.set(F, dst + o, ds.get(F, dst + o) + gs.get(F, src + o));
                            }
                        }
                        src += (long) cg * Float.BYTES;
                    }
                }
            }
        }
    }

    private void columns(int task, boolean gather) {
        Tensor dst = a;
        Tensor src = b;
        int rows = gather ? dst.rows() : src.rows();
        int k = gather ? dst.cols() : src.cols();
        long bytes = (long) k * Float.BYTES;
        for (int r = task * 256; r < Math.min(rows, task * 256 + 256); r++) {
            if (gather) {
                MemorySegment.copy(
                        src.segment(),
                        src.byteOffset() + ((long) r * src.cols() + offset) * Float.BYTES,
                        dst.segment(),
                        dst.byteOffset() + (long) r * k * Float.BYTES,
                        bytes);
            } else {
                MemorySegment.copy(
                        src.segment(),
                        src.byteOffset() + (long) r * k * Float.BYTES,
                        dst.segment(),
                        dst.byteOffset() + ((long) r * dst.cols() + offset) * Float.BYTES,
                        bytes);
            }
        }
    }

    private void maxPoolSample(int s) {
        PoolGeometry g = pool;
        MemorySegment xs = c.segment();
        MemorySegment ys = a.segment();
        MemorySegment is = b == null ? null : b.segment();
        long xBase = c.byteOffset() + (long) s * c.cols() * Float.BYTES;
        long yBase = a.byteOffset() + (long) s * a.cols() * Float.BYTES;
        long iBase = b == null ? 0 : b.byteOffset() + (long) s * b.cols() * Float.BYTES;
        int ch = g.c();
        int vecEnd = ch - ch % L;
        FloatVector lane = FloatVector.zero(S).addIndex(1);
        for (int i = 0; i < g.oh(); i++) {
            int h0 = Math.max(0, g.rowStart(i));
            int h1 = Math.min(g.h(), g.rowEnd(i));
            for (int j = 0; j < g.ow(); j++) {
                int w0 = Math.max(0, g.colStart(j));
                int w1 = Math.min(g.w(), g.colEnd(j));
                long out = ((long) i * g.ow() + j) * ch;
                int c0 = 0;
                for (; c0 < vecEnd; c0 += L) {
                    FloatVector best = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
                    FloatVector at = lane.add((float) ((h0 * g.w() + w0) * ch + c0));
                    for (int hi = h0; hi < h1; hi++) {
                        for (int wi = w0; wi < w1; wi++) {
                            int idx = (hi * g.w() + wi) * ch + c0;
                            FloatVector v =
                                    FloatVector.fromMemorySegment(
                                            S, xs, xBase + (long) idx * Float.BYTES, O);
                            VectorMask<Float> take =
                                    v.compare(VectorOperators.GT, best)
                                            .or(v.test(VectorOperators.IS_NAN));
                            best = best.blend(v, take);
                            at = at.blend(lane.add((float) idx), take);
                        }
                    }
                    best.intoMemorySegment(ys, yBase + (out + c0) * Float.BYTES, O);
                    if (is != null) {
                        at.intoMemorySegment(is, iBase + (out + c0) * Float.BYTES, O);
                    }
                }
                for (; c0 < ch; c0++) {
                    float best = Float.NEGATIVE_INFINITY;
                    int at = (h0 * g.w() + w0) * ch + c0;
                    for (int hi = h0; hi < h1; hi++) {
                        for (int wi = w0; wi < w1; wi++) {
                            int idx = (hi * g.w() + wi) * ch + c0;
                            float v = xs.get(F, xBase + (long) idx * Float.BYTES);
                            if (v > best || Float.isNaN(v)) {
                                best = v;
                                at = idx;
                            }
                        }
                    }
                    ys.set(F, yBase + (out + c0) * Float.BYTES, best);
                    if (is != null) {
                        is.set(F, iBase + (out + c0) * Float.BYTES, at);
                    }
                }
            }
        }
    }

    private void maxPoolBackwardSample(int s) {
        MemorySegment ds = a.segment();
        MemorySegment gs = b.segment();
        MemorySegment is = c.segment();
        long dBase = a.byteOffset() + (long) s * a.cols() * Float.BYTES;
        long gBase = b.byteOffset() + (long) s * b.cols() * Float.BYTES;
        long iBase = c.byteOffset() + (long) s * c.cols() * Float.BYTES;
        PoolGeometry g = pool;
        if (!g.adaptive()
                && g.sh() == g.kh()
                && g.sw() == g.kw()
                && g.ph() == 0
                && g.pw() == 0
                && g.c() % L == 0) {
            tiledMaxPoolBackward(g, ds, dBase, gs, gBase, is, iBase);
            return;
        }
        zero(ds, dBase, (long) a.cols() * Float.BYTES);
        for (long o = 0; o < b.cols(); o++) {
            long to = dBase + ((long) is.get(F, iBase + o * Float.BYTES)) * Float.BYTES;
            ds.set(F, to, ds.get(F, to) + gs.get(F, gBase + o * Float.BYTES));
        }
    }

    /**
     * Max-pool backward when the windows tile the image (stride = window, no padding): every input
     * element belongs to at most one window, so each is written once, with its window's gradient
     * where it was the maximum and 0 elsewhere; no zeroing pass, no scattered read-modify-write.
     */
    private static void tiledMaxPoolBackward(
            PoolGeometry g,
            MemorySegment ds,
            long dBase,
            MemorySegment gs,
            long gBase,
            MemorySegment is,
            long iBase) {
        int ch = g.c();
        long pixel = (long) ch * Float.BYTES;
        FloatVector lane = FloatVector.zero(S).addIndex(1);
        FloatVector zero = FloatVector.zero(S);
        // Rows and columns past the last whole window get no gradient.
        int coveredH = g.oh() * g.kh();
        int coveredW = g.ow() * g.kw();
        for (int hi = 0; hi < g.h(); hi++) {
            if (hi >= coveredH) {
                zero(ds, dBase + (long) hi * g.w() * pixel, (long) g.w() * pixel);
            } else if (coveredW < g.w()) {
                zero(
                        ds,
                        dBase + ((long) hi * g.w() + coveredW) * pixel,
                        (long) (g.w() - coveredW) * pixel);
            }
        }
        for (int i = 0; i < g.oh(); i++) {
            for (int j = 0; j < g.ow(); j++) {
                long out = ((long) i * g.ow() + j) * ch;
                for (int ki = 0; ki < g.kh(); ki++) {
                    for (int kj = 0; kj < g.kw(); kj++) {
                        int pos = ((i * g.kh() + ki) * g.w() + (j * g.kw() + kj)) * ch;
                        for (int c0 = 0; c0 < ch; c0 += L) {
                            long o = (out + c0) * Float.BYTES;
                            FloatVector dy = FloatVector.fromMemorySegment(S, gs, gBase + o, O);
                            FloatVector at = FloatVector.fromMemorySegment(S, is, iBase + o, O);
                            zero.blend(
                                            dy,
                                            at.compare(
                                                    VectorOperators.EQ,
                                                    lane.add((float) (pos + c0))))
                                    .intoMemorySegment(
                                            ds, dBase + (long) (pos + c0) * Float.BYTES, O);
                        }
                    }
                }
            }
        }
    }

    private void avgPoolSample(int s, boolean forward) {
        PoolGeometry g = pool;
        int ch = g.c();
        Tensor in = forward ? c : a;
        Tensor out = forward ? a : b;
        MemorySegment is = in.segment();
        MemorySegment os = out.segment();
        long iBase = in.byteOffset() + (long) s * in.cols() * Float.BYTES;
        long oBase = out.byteOffset() + (long) s * out.cols() * Float.BYTES;
        if (!forward) {
            zero(is, iBase, (long) in.cols() * Float.BYTES);
        }
        for (int i = 0; i < g.oh(); i++) {
            for (int j = 0; j < g.ow(); j++) {
                float inv = 1f / g.divisor(i, j);
                long o = oBase + ((long) i * g.ow() + j) * ch * Float.BYTES;
                for (int c0 = 0; c0 < ch; c0++) {
                    long oc = o + (long) c0 * Float.BYTES;
                    if (forward) {
                        double sum = 0;
                        for (int hi = Math.max(0, g.rowStart(i));
                                hi < Math.min(g.h(), g.rowEnd(i));
                                hi++) {
                            for (int wi = Math.max(0, g.colStart(j));
                                    wi < Math.min(g.w(), g.colEnd(j));
                                    wi++) {
                                sum +=
                                        is.get(
                                                F,
                                                iBase
                                                        + ((long) (hi * g.w() + wi) * ch + c0)
                                                                * Float.BYTES);
                            }
                        }
                        os.set(F, oc, (float) (sum / g.divisor(i, j)));
                    } else {
                        float v = os.get(F, oc) * inv;
                        for (int hi = Math.max(0, g.rowStart(i));
                                hi < Math.min(g.h(), g.rowEnd(i));
                                hi++) {
                            for (int wi = Math.max(0, g.colStart(j));
                                    wi < Math.min(g.w(), g.colEnd(j));
                                    wi++) {
                                long at =
                                        iBase + ((long) (hi * g.w() + wi) * ch + c0) * Float.BYTES;
                                is.set(F, at, is.get(F, at) + v);
                            }
                        }
                    }
                }
            }
        }
    }

    private void transposeSample(int s) {
        MemorySegment ds = a.segment();
        MemorySegment ss = b.segment();
        long n = (long) channels * hw;
        long dBase = a.byteOffset() + s * n * Float.BYTES;
        long sBase = b.byteOffset() + s * n * Float.BYTES;
        for (int ch = 0; ch < channels; ch++) {
            for (int p = 0; p < hw; p++) {
                long first = ((long) ch * hw + p) * Float.BYTES;
                long last = ((long) p * channels + ch) * Float.BYTES;
                if (inverse) {
                    ds.set(F, dBase + first, ss.get(F, sBase + last));
                } else {
                    ds.set(F, dBase + last, ss.get(F, sBase + first));
                }
            }
        }
    }
}
