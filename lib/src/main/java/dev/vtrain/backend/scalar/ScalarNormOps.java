package dev.vtrain.backend.scalar;

import dev.vtrain.backend.BatchNormArgs;
import dev.vtrain.backend.NormOps;
import dev.vtrain.tensor.Tensor;
import java.lang.foreign.ValueLayout;

/** Reference batch normalisation: per channel, sums in double in row order, on one thread. */
public final class ScalarNormOps implements NormOps {
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;

    private static float get(Tensor t, long i) {
        return t.segment().getAtIndex(F, t.offset() + i);
    }

    private static void set(Tensor t, long i, float v) {
        t.segment().setAtIndex(F, t.offset() + i, v);
    }

    @Override
    public void batchNormTrain(BatchNormArgs a, Tensor y, Tensor x, Tensor mean, Tensor rstd) {
        int r = x.size() == 0 ? 0 : (int) (x.size() / a.channels());
        int c = a.channels();
        for (int ch = 0; ch < c; ch++) {
            double sum = 0;
            for (int i = 0; i < r; i++) {
                sum += get(x, (long) i * c + ch);
            }
            double m = sum / r;
            double sq = 0;
            for (int i = 0; i < r; i++) {
                double d = get(x, (long) i * c + ch) - m;
                sq += d * d;
            }
            double var = sq / r;
            float rs = (float) (1.0 / Math.sqrt(var + a.eps()));
            set(mean, ch, (float) m);
            set(rstd, ch, rs);
            float mom = a.momentum();
            set(a.runningMean(), ch, (1 - mom) * get(a.runningMean(), ch) + mom * (float) m);
            double unbiased = r > 1 ? sq / (r - 1) : var;
            set(a.runningVar(), ch, (1 - mom) * get(a.runningVar(), ch) + mom * (float) unbiased);
            float gm = a.gamma() == null ? 1f : get(a.gamma(), ch);
            float bt = a.beta() == null ? 0f : get(a.beta(), ch);
            for (int i = 0; i < r; i++) {
                long at = (long) i * c + ch;
                float v = (get(x, at) - (float) m) * rs * gm + bt;
                set(y, at, a.relu() && !(v > 0f) ? 0f : v);
            }
        }
        set(a.tracked(), 0, get(a.tracked(), 0) + 1f);
    }

    @Override
    public void batchNormEval(BatchNormArgs a, Tensor y, Tensor x, Tensor mean, Tensor rstd) {
        int c = a.channels();
        long r = x.size() / c;
        for (int ch = 0; ch < c; ch++) {
            float rs = (float) (1.0 / Math.sqrt(get(a.runningVar(), ch) + (double) a.eps()));
            float m = get(a.runningMean(), ch);
            float gm = a.gamma() == null ? 1f : get(a.gamma(), ch);
            float bt = a.beta() == null ? 0f : get(a.beta(), ch);
            set(mean, ch, m);
            set(rstd, ch, rs);
            for (long i = 0; i < r; i++) {
                long at = i * c + ch;
                float v = (get(x, at) - m) * rs * gm + bt;
                set(y, at, a.relu() && !(v > 0f) ? 0f : v);
            }
        }
    }

    @Override
    public void batchNormBackward(
            BatchNormArgs a,
            Tensor dx,
            Tensor dy,
            Tensor x,
            Tensor y,
            Tensor mean,
            Tensor rstd,
            float gammaBeta,
            float biasBeta,
            boolean batchStatistics) {
        int c = a.channels();
        long r = x.size() / c;
        for (int ch = 0; ch < c; ch++) {
            float m = get(mean, ch);
            float rs = get(rstd, ch);
            double sdy = 0;
            double sdyx = 0;
            for (long i = 0; i < r; i++) {
                long at = i * c + ch;
                float g = a.relu() && !(get(y, at) > 0f) ? 0f : get(dy, at);
                sdy += g;
                sdyx += g * ((get(x, at) - m) * rs);
            }
            if (a.gammaGrad() != null) {
                float old = gammaBeta == 0f ? 0f : gammaBeta * get(a.gammaGrad(), ch);
                set(a.gammaGrad(), ch, old + (float) sdyx);
            }
            if (a.betaGrad() != null) {
                float old = biasBeta == 0f ? 0f : biasBeta * get(a.betaGrad(), ch);
                set(a.betaGrad(), ch, old + (float) sdy);
            }
            if (dx != null) {
                float gm = a.gamma() == null ? 1f : get(a.gamma(), ch);
                float k = gm * rs;
                float meanDy = batchStatistics ? (float) (sdy / r) : 0f;
                float meanDyx = batchStatistics ? (float) (sdyx / r) : 0f;
                for (long i = 0; i < r; i++) {
                    long at = i * c + ch;
                    float xh = (get(x, at) - m) * rs;
                    float g = a.relu() && !(get(y, at) > 0f) ? 0f : get(dy, at);
                    set(dx, at, k * (g - meanDy - xh * meanDyx));
                }
            }
        }
    }
}
