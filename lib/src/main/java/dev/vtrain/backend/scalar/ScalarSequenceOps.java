package dev.vtrain.backend.scalar;

import dev.vtrain.backend.DropoutHash;
import dev.vtrain.backend.GeluMath;
import dev.vtrain.backend.SequenceOps;
import dev.vtrain.backend.ShapeChecks;
import dev.vtrain.tensor.Tensor;
import java.lang.foreign.ValueLayout;

/**
 * Reference sequence ops: plain loops on one thread, sums in double, the formulas as written in
 * {@link SequenceOps}.
 */
public final class ScalarSequenceOps implements SequenceOps {
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;

    private static float get(Tensor t, long i) {
        return t.segment().getAtIndex(F, t.offset() + i);
    }

    private static void set(Tensor t, long i, float v) {
        t.segment().setAtIndex(F, t.offset() + i, v);
    }

    @Override
    public void embedding(Tensor out, Tensor ids, Tensor table, Tensor positions, int period) {
        int c = table.cols();
        int rows = (int) ids.size();
        for (int r = 0; r < rows; r++) {
            int id = ShapeChecks.tokenId("embedding", get(ids, r), table.rows(), r);
            for (int j = 0; j < c; j++) {
                float v = get(table, (long) id * c + j);
                if (positions != null) {
                    v += get(positions, (long) (r % period) * c + j);
                }
                set(out, (long) r * c + j, v);
            }
        }
    }

    @Override
    public void embeddingBackward(
            Tensor tableGrad,
            float tableBeta,
            Tensor positionGrad,
            float positionBeta,
            Tensor dOut,
            Tensor ids,
            int period) {
        int rows = (int) ids.size();
        int c = dOut.cols();
        if (tableGrad != null) {
            scaleOrZero(tableGrad, tableBeta);
            for (int r = 0; r < rows; r++) {
                int id = ShapeChecks.tokenId("embeddingBackward", get(ids, r), tableGrad.rows(), r);
                for (int j = 0; j < c; j++) {
                    long at = (long) id * c + j;
                    set(tableGrad, at, get(tableGrad, at) + get(dOut, (long) r * c + j));
                }
            }
        }
        if (positionGrad != null) {
            scaleOrZero(positionGrad, positionBeta);
            for (int r = 0; r < rows; r++) {
                for (int j = 0; j < c; j++) {
                    long at = (long) (r % period) * c + j;
                    set(positionGrad, at, get(positionGrad, at) + get(dOut, (long) r * c + j));
                }
            }
        }
    }

    private static void scaleOrZero(Tensor t, float beta) {
        for (long i = 0; i < t.size(); i++) {
            set(t, i, beta == 0f ? 0f : beta * get(t, i));
        }
    }

    @Override
    public void layerNorm(
            Tensor y, Tensor mean, Tensor rstd, Tensor x, Tensor gamma, Tensor bias, float eps) {
        int c = x.cols();
        int rows = x.rows();
        for (int r = 0; r < rows; r++) {
            double s = 0;
            for (int j = 0; j < c; j++) {
                s += get(x, (long) r * c + j);
            }
            double m = s / c;
            double q = 0;
            for (int j = 0; j < c; j++) {
                double d = get(x, (long) r * c + j) - m;
                q += d * d;
            }
            double rs = 1 / Math.sqrt(q / c + eps);
            set(mean, r, (float) m);
            set(rstd, r, (float) rs);
            for (int j = 0; j < c; j++) {
                double v = (get(x, (long) r * c + j) - m) * rs;
                v = v * (gamma == null ? 1 : get(gamma, j)) + (bias == null ? 0 : get(bias, j));
                set(y, (long) r * c + j, (float) v);
            }
        }
    }

    @Override
    public void layerNormBackward(
            Tensor dx,
            Tensor gammaGrad,
            float gammaBeta,
            Tensor biasGrad,
            float biasBeta,
            Tensor scratch,
            Tensor dy,
            Tensor x,
            Tensor gamma,
            Tensor mean,
            Tensor rstd) {
        int c = x.cols();
        int rows = x.rows();
        double[] dg = new double[c];
        double[] db = new double[c];
        for (int r = 0; r < rows; r++) {
            float m = get(mean, r);
            float rs = get(rstd, r);
            double sumG = 0;
            double sumGx = 0;
            for (int j = 0; j < c; j++) {
                long at = (long) r * c + j;
                double xh = (get(x, at) - m) * rs;
                double g = get(dy, at) * (gamma == null ? 1 : get(gamma, j));
                sumG += g;
                sumGx += g * xh;
                dg[j] += get(dy, at) * xh;
                db[j] += get(dy, at);
                set(scratch, at, (float) (get(dy, at) * xh));
            }
            if (dx != null) {
                double mg = sumG / c;
                double mgx = sumGx / c;
                for (int j = 0; j < c; j++) {
                    long at = (long) r * c + j;
                    double xh = (get(x, at) - m) * rs;
                    double g = get(dy, at) * (gamma == null ? 1 : get(gamma, j));
                    set(dx, at, (float) (rs * (g - mg - xh * mgx)));
                }
            }
        }
        for (int j = 0; j < c; j++) {
            if (gammaGrad != null) {
                float old = gammaBeta == 0f ? 0f : gammaBeta * get(gammaGrad, j);
                set(gammaGrad, j, old + (float) dg[j]);
            }
            if (biasGrad != null) {
                float old = biasBeta == 0f ? 0f : biasBeta * get(biasGrad, j);
                set(biasGrad, j, old + (float) db[j]);
            }
        }
    }

    @Override
    public void gelu(Tensor y, Tensor x, boolean tanh) {
        for (long i = 0; i < x.size(); i++) {
            set(y, i, (float) GeluMath.gelu(get(x, i), tanh));
        }
    }

    @Override
    public void geluBackward(Tensor dx, Tensor dy, Tensor x, boolean tanh) {
        for (long i = 0; i < x.size(); i++) {
            set(dx, i, (float) (get(dy, i) * GeluMath.geluGrad(get(x, i), tanh)));
        }
    }

    /** The dropout factor of element {@code index} of the probabilities (1 without dropout). */
    private static float factor(float dropout, long key, long index) {
        if (dropout == 0f) {
            return 1f;
        }
        return DropoutHash.keep(key, index, DropoutHash.threshold(dropout))
                ? 1f / (1f - dropout)
                : 0f;
    }

    @Override
    public void causalAttention(
            Tensor y,
            Tensor probs,
            Tensor qkv,
            int sequences,
            int length,
            int heads,
            float dropout,
            long key) {
        int c3 = qkv.cols();
        int c = c3 / 3;
        long d = c / heads;
        double scale = 1 / Math.sqrt((double) d);
        double[] s = new double[length];
        for (int b = 0; b < sequences; b++) {
            for (int h = 0; h < heads; h++) {
                long pBase = ((long) (b * heads + h) * length) * length;
                for (int i = 0; i < length; i++) {
                    long qi = (long) (b * length + i) * c3 + h * d;
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j <= i; j++) {
                        long kj = (long) (b * length + j) * c3 + c + h * d;
                        double dot = 0;
                        for (int e = 0; e < d; e++) {
                            dot += (double) get(qkv, qi + e) * get(qkv, kj + e);
                        }
                        s[j] = dot * scale;
                        max = Math.max(max, s[j]);
                    }
                    double sum = 0;
                    for (int j = 0; j <= i; j++) {
                        s[j] = Math.exp(s[j] - max);
                        sum += s[j];
                    }
                    for (int j = 0; j < length; j++) {
                        set(
                                probs,
                                pBase + (long) i * length + j,
                                j <= i ? (float) (s[j] / sum) : 0f);
                    }
                    for (int e = 0; e < d; e++) {
                        double acc = 0;
                        for (int j = 0; j <= i; j++) {
                            long vj = (long) (b * length + j) * c3 + 2L * c + h * d;
                            long at = pBase + (long) i * length + j;
                            acc +=
                                    get(probs, at)
                                            * factor(dropout, key, at)
                                            * (double) get(qkv, vj + e);
                        }
                        set(y, (long) (b * length + i) * c + h * d + e, (float) acc);
                    }
                }
            }
        }
    }

    @Override
    public void causalAttentionBackward(
            Tensor dqkv,
            Tensor dy,
            Tensor qkv,
            Tensor probs,
            int sequences,
            int length,
            int heads,
            float dropout,
            long key) {
        int c3 = qkv.cols();
        int c = c3 / 3;
        long d = c / heads;
        double scale = 1 / Math.sqrt((double) d);
        double[] dp = new double[length];
        for (long i = 0; i < dqkv.size(); i++) {
            set(dqkv, i, 0f);
        }
        for (int b = 0; b < sequences; b++) {
            for (int h = 0; h < heads; h++) {
                long pBase = ((long) (b * heads + h) * length) * length;
                for (int i = 0; i < length; i++) {
                    long qi = (long) (b * length + i) * c3 + h * d;
                    long yi = (long) (b * length + i) * c + h * d;
                    double dot = 0;
                    for (int j = 0; j <= i; j++) {
                        long vj = (long) (b * length + j) * c3 + 2L * c + h * d;
                        double acc = 0;
                        for (int e = 0; e < d; e++) {
                            acc += (double) get(dy, yi + e) * get(qkv, vj + e);
                        }
                        // Through the dropout: dP = dP' · M.
                        dp[j] = acc * factor(dropout, key, pBase + (long) i * length + j);
                        dot += dp[j] * get(probs, pBase + (long) i * length + j);
                    }
                    for (int j = 0; j <= i; j++) {
                        float p = get(probs, pBase + (long) i * length + j);
                        double ds = p * (dp[j] - dot) * scale;
                        float kept = p * factor(dropout, key, pBase + (long) i * length + j);
                        long kj = (long) (b * length + j) * c3 + c + h * d;
                        long vj = kj + c;
                        for (int e = 0; e < d; e++) {
                            set(dqkv, qi + e, (float) (get(dqkv, qi + e) + ds * get(qkv, kj + e)));
                            set(dqkv, kj + e, (float) (get(dqkv, kj + e) + ds * get(qkv, qi + e)));
                            set(dqkv, vj + e, get(dqkv, vj + e) + kept * get(dy, yi + e));
                        }
                    }
                }
            }
        }
    }

    @Override
    public void attendCached(Tensor y, Tensor scores, Tensor qkv, int positions, int heads) {
        int c3 = qkv.cols();
        int c = c3 / 3;
        long d = c / heads;
        double scale = 1 / Math.sqrt((double) d);
        long qRow = (long) (positions - 1) * c3;
        for (int h = 0; h < heads; h++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < positions; j++) {
                double dot = 0;
                for (int e = 0; e < d; e++) {
                    dot +=
                            (double) get(qkv, qRow + h * d + e)
                                    * get(qkv, (long) j * c3 + c + h * d + e);
                }
                set(scores, h * positions + j, (float) (dot * scale));
                max = Math.max(max, dot * scale);
            }
            double sum = 0;
            for (int j = 0; j < positions; j++) {
                sum += Math.exp(get(scores, (long) h * positions + j) - max);
            }
            for (int j = 0; j < positions; j++) {
                long at = (long) h * positions + j;
                set(scores, at, (float) (Math.exp(get(scores, at) - max) / sum));
            }
            for (int e = 0; e < d; e++) {
                double acc = 0;
                for (int j = 0; j < positions; j++) {
                    acc +=
                            get(scores, (long) h * positions + j)
                                    * (double) get(qkv, (long) j * c3 + 2L * c + h * d + e);
                }
                set(y, h * d + e, (float) acc);
            }
        }
    }

    @Override
    public int crossEntropy(
            Tensor logits, Tensor labels, int ignoreIndex, Tensor gradLogits, Tensor lossSum) {
        int rows = logits.rows();
        int v = logits.cols();
        int n = 0;
        for (int r = 0; r < rows; r++) {
            if (get(labels, r) != ignoreIndex) {
                n++;
            }
        }
        double total = 0;
        for (int r = 0; r < rows; r++) {
            float label = get(labels, r);
            if (label == ignoreIndex) {
                for (int j = 0; gradLogits != null && j < v; j++) {
                    set(gradLogits, (long) r * v + j, 0f);
                }
                continue;
            }
            int target = ShapeChecks.tokenId("crossEntropy", label, v, r);
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < v; j++) {
                max = Math.max(max, get(logits, (long) r * v + j));
            }
            double sum = 0;
            for (int j = 0; j < v; j++) {
                sum += Math.exp(get(logits, (long) r * v + j) - max);
            }
            total += Math.log(sum) + max - get(logits, (long) r * v + target);
            for (int j = 0; gradLogits != null && j < v; j++) {
                double p = Math.exp(get(logits, (long) r * v + j) - max) / sum;
                set(gradLogits, (long) r * v + j, (float) ((p - (j == target ? 1 : 0)) / n));
            }
        }
        if (n > 0) {
            set(lossSum, 0, get(lossSum, 0) + (float) (total * rows / n));
        }
        return n;
    }

    @Override
    public void transposeBlocks(Tensor dst, Tensor src, int outer, int inner, int f) {
        for (int o = 0; o < outer; o++) {
            for (int i = 0; i < inner; i++) {
                for (int e = 0; e < f; e++) {
                    set(
                            dst,
                            ((long) i * outer + o) * f + e,
                            get(src, ((long) o * inner + i) * f + e));
                }
            }
        }
    }
}
