package dev.vtrain.backend;

/**
 * GELU and its derivative in double precision, the reference the fast kernels are tested against:
 * exact {@code x · Φ(x)} through an erf accurate to about 1e-12, and PyTorch's tanh approximation
 * {@code 0.5 x (1 + tanh(√(2/π) (x + 0.044715 x³)))}. Stateless; any thread may call it.
 */
public final class GeluMath {
    private static final double SQRT_HALF = Math.sqrt(0.5);
    private static final double TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);
    private static final double INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);
    private static final double TANH_SCALE = Math.sqrt(2 / Math.PI);
    private static final double TANH_CUBIC = 0.044715;

    private GeluMath() {}

    /** The error function: the Maclaurin series below 4, the asymptotic series of erfc above. */
    public static double erf(double z) {
        double a = Math.abs(z);
        double r;
        if (a < 4) {
            double term = a;
            double sum = a;
            double z2 = a * a;
            for (int n = 1; n < 200; n++) {
                term *= -z2 / n;
                double add = term / (2 * n + 1);
                sum += add;
                if (Math.abs(add) < 1e-17 * Math.abs(sum)) {
                    break;
                }
            }
            r = TWO_OVER_SQRT_PI * sum;
        } else {
            double inv = 1 / (2 * a * a);
            double series = 1 - inv + 3 * inv * inv - 15 * inv * inv * inv;
            r = 1 - Math.exp(-a * a) / (a * Math.sqrt(Math.PI)) * series;
        }
        return z < 0 ? -r : r;
    }

    /** GELU(x), exact or with the tanh approximation. */
    public static double gelu(double x, boolean tanh) {
        if (tanh) {
            return 0.5 * x * (1 + Math.tanh(TANH_SCALE * (x + TANH_CUBIC * x * x * x)));
        }
        return 0.5 * x * (1 + erf(x * SQRT_HALF));
    }

    /** dGELU/dx at x. */
    public static double geluGrad(double x, boolean tanh) {
        if (tanh) {
            double u = TANH_SCALE * (x + TANH_CUBIC * x * x * x);
            double t = Math.tanh(u);
            return 0.5 * (1 + t)
                    + 0.5 * x * (1 - t * t) * TANH_SCALE * (1 + 3 * TANH_CUBIC * x * x);
        }
        return 0.5 * (1 + erf(x * SQRT_HALF)) + x * INV_SQRT_2PI * Math.exp(-0.5 * x * x);
    }
}
