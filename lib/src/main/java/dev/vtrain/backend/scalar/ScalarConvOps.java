package dev.vtrain.backend.scalar;

import dev.vtrain.backend.ConvGeometry;
import dev.vtrain.backend.ConvOps;
import dev.vtrain.backend.PoolGeometry;
import dev.vtrain.tensor.Tensor;
import java.lang.foreign.ValueLayout;

/**
 * Reference convolution and pooling: plain index loops, one element at a time, on one thread. Every
 * CPU kernel is tested against it.
 */
public final class ScalarConvOps implements ConvOps {
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;

    private static float get(Tensor t, long i) {
        return t.segment().getAtIndex(F, t.offset() + i);
    }

    private static void set(Tensor t, long i, float v) {
        t.segment().setAtIndex(F, t.offset() + i, v);
    }

    @Override
    public void im2col(Tensor cols, Tensor x, ConvGeometry g, int group) {
        int n = x.rows();
        int cg = g.groupChannels();
        int oh = g.oh();
        int ow = g.ow();
        long row = 0;
        for (int s = 0; s < n; s++) {
            for (int i = 0; i < oh; i++) {
                for (int j = 0; j < ow; j++, row++) {
                    long col = 0;
                    for (int ki = 0; ki < g.kh(); ki++) {
                        int hi = i * g.sh() - g.ph() + ki * g.dh();
                        for (int kj = 0; kj < g.kw(); kj++) {
                            int wi = j * g.sw() - g.pw() + kj * g.dw();
                            boolean inside = hi >= 0 && hi < g.h() && wi >= 0 && wi < g.w();
                            for (int c = 0; c < cg; c++, col++) {
                                float v =
                                        inside
                                                ? get(
                                                        x,
                                                        (long) s * x.cols()
                                                                + ((long) hi * g.w() + wi) * g.c()
                                                                + (long) group * cg
                                                                + c)
                                                : 0f;
                                set(cols, row * g.patch() + col, v);
                            }
                        }
                    }
                }
            }
        }
    }

    @Override
    public void col2im(Tensor dx, Tensor dcols, ConvGeometry g, int group) {
        int n = dx.rows();
        int cg = g.groupChannels();
        for (int s = 0; s < n; s++) {
            for (int p = 0; p < g.h() * g.w(); p++) {
                for (int c = 0; c < cg; c++) {
                    set(dx, (long) s * dx.cols() + (long) p * g.c() + (long) group * cg + c, 0f);
                }
            }
        }
        long row = 0;
        for (int s = 0; s < n; s++) {
            for (int i = 0; i < g.oh(); i++) {
                for (int j = 0; j < g.ow(); j++, row++) {
                    long col = 0;
                    for (int ki = 0; ki < g.kh(); ki++) {
                        int hi = i * g.sh() - g.ph() + ki * g.dh();
                        for (int kj = 0; kj < g.kw(); kj++) {
                            int wi = j * g.sw() - g.pw() + kj * g.dw();
                            boolean inside = hi >= 0 && hi < g.h() && wi >= 0 && wi < g.w();
                            for (int c = 0; c < cg; c++, col++) {
                                if (inside) {
                                    long at =
                                            (long) s * dx.cols()
                                                    + ((long) hi * g.w() + wi) * g.c()
                                                    + (long) group * cg
                                                    + c;
                                    set(dx, at, get(dx, at) + get(dcols, row * g.patch() + col));
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    @Override
    public void gatherColumns(Tensor dst, Tensor src, int offset) {
        for (int r = 0; r < dst.rows(); r++) {
            for (int k = 0; k < dst.cols(); k++) {
                set(dst, (long) r * dst.cols() + k, get(src, (long) r * src.cols() + offset + k));
            }
        }
    }

    @Override
    public void scatterColumns(Tensor dst, Tensor src, int offset) {
        for (int r = 0; r < src.rows(); r++) {
            for (int k = 0; k < src.cols(); k++) {
                set(dst, (long) r * dst.cols() + offset + k, get(src, (long) r * src.cols() + k));
            }
        }
    }

    @Override
    public void maxPool(Tensor y, Tensor argmax, Tensor x, PoolGeometry g) {
        for (int s = 0; s < x.rows(); s++) {
            for (int i = 0; i < g.oh(); i++) {
                for (int j = 0; j < g.ow(); j++) {
                    for (int c = 0; c < g.c(); c++) {
                        // PyTorch's rule: the first maximum wins, a NaN wins over anything.
                        float best = Float.NEGATIVE_INFINITY;
                        int at =
                                (Math.max(0, g.rowStart(i)) * g.w() + Math.max(0, g.colStart(j)))
                                                * g.c()
                                        + c;
                        for (int hi = Math.max(0, g.rowStart(i));
                                hi < Math.min(g.h(), g.rowEnd(i));
                                hi++) {
                            for (int wi = Math.max(0, g.colStart(j));
                                    wi < Math.min(g.w(), g.colEnd(j));
                                    wi++) {
                                int idx = (hi * g.w() + wi) * g.c() + c;
                                float v = get(x, (long) s * x.cols() + idx);
                                if (v > best || Float.isNaN(v)) {
                                    best = v;
                                    at = idx;
                                }
                            }
                        }
                        long o = (long) s * y.cols() + ((long) i * g.ow() + j) * g.c() + c;
                        set(y, o, best);
                        if (argmax != null) {
                            set(argmax, o, at);
                        }
                    }
                }
            }
        }
    }

    @Override
    public void maxPoolBackward(Tensor dx, Tensor dy, Tensor argmax, PoolGeometry g) {
        for (long e = 0; e < dx.size(); e++) {
            set(dx, e, 0f);
        }
        for (int s = 0; s < dy.rows(); s++) {
            for (int o = 0; o < dy.cols(); o++) {
                long at = (long) s * dy.cols() + o;
                long to = (long) s * dx.cols() + (long) get(argmax, at);
                set(dx, to, get(dx, to) + get(dy, at));
            }
        }
    }

    @Override
    public void avgPool(Tensor y, Tensor x, PoolGeometry g) {
        for (int s = 0; s < x.rows(); s++) {
            for (int i = 0; i < g.oh(); i++) {
                for (int j = 0; j < g.ow(); j++) {
                    for (int c = 0; c < g.c(); c++) {
                        double sum = 0;
                        for (int hi = Math.max(0, g.rowStart(i));
                                hi < Math.min(g.h(), g.rowEnd(i));
                                hi++) {
                            for (int wi = Math.max(0, g.colStart(j));
                                    wi < Math.min(g.w(), g.colEnd(j));
                                    wi++) {
                                sum +=
                                        get(
                                                x,
                                                (long) s * x.cols()
                                                        + (long) (hi * g.w() + wi) * g.c()
                                                        + c);
                            }
                        }
                        set(
                                y,
                                (long) s * y.cols() + ((long) i * g.ow() + j) * g.c() + c,
                                (float) (sum / g.divisor(i, j)));
                    }
                }
            }
        }
    }

    @Override
    public void avgPoolBackward(Tensor dx, Tensor dy, PoolGeometry g) {
        for (long e = 0; e < dx.size(); e++) {
            set(dx, e, 0f);
        }
        for (int s = 0; s < dy.rows(); s++) {
            for (int i = 0; i < g.oh(); i++) {
                for (int j = 0; j < g.ow(); j++) {
                    for (int c = 0; c < g.c(); c++) {
                        float v =
                                get(dy, (long) s * dy.cols() + ((long) i * g.ow() + j) * g.c() + c)
                                        / g.divisor(i, j);
                        for (int hi = Math.max(0, g.rowStart(i));
                                hi < Math.min(g.h(), g.rowEnd(i));
                                hi++) {
                            for (int wi = Math.max(0, g.colStart(j));
                                    wi < Math.min(g.w(), g.colEnd(j));
                                    wi++) {
                                long at =
                                        (long) s * dx.cols() + (long) (hi * g.w() + wi) * g.c() + c;
                                set(dx, at, get(dx, at) + v);
                            }
                        }
                    }
                }
            }
        }
    }

    @Override
    public void transposeSamples(Tensor dst, Tensor src, int c, int hw, boolean inverse) {
        for (int s = 0; s < src.rows(); s++) {
            long base = (long) s * c * hw;
            for (int ch = 0; ch < c; ch++) {
                for (int p = 0; p < hw; p++) {
                    long first = base + (long) ch * hw + p;
                    long last = base + (long) p * c + ch;
                    if (inverse) {
                        set(dst, first, get(src, last));
                    } else {
                        set(dst, last, get(src, first));
                    }
                }
            }
        }
    }
}
