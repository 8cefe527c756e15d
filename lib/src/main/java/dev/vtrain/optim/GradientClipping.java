package dev.vtrain.optim;

import dev.vtrain.nn.Model;

/**
 * Gradient clipping over all of a model's gradients at once, as PyTorch's {@code
 * torch.nn.utils.clip_grad_norm_} and {@code clip_grad_value_}. Both act on the gradient slab in
 * place. Stateless, but it reads and writes the model's gradient slab: call it on the thread that
 * owns the model (see {@link Model}), between backward and the optimizer step.
 */
public final class GradientClipping {
    private GradientClipping() {}

    /**
     * Scales all gradients by {@code maxNorm / (norm + 1e-6)} when that is below 1, where norm is
     * the global L2 norm of every gradient element; returns the norm before clipping.
     *
     * @param errorIfNonFinite throw instead of returning when the norm is NaN or infinite (the
     *     gradients are then left as they are)
     * @throws IllegalArgumentException if {@code maxNorm} is negative, or the norm is not finite
     *     and {@code errorIfNonFinite}
     */
    public static double clipGradNorm(Model model, float maxNorm, boolean errorIfNonFinite) {
        if (!(maxNorm >= 0f)) {
            throw new IllegalArgumentException("Invalid max norm: " + maxNorm + " (must be ≥ 0)");
        }
        double norm = Math.sqrt(model.backend().sumOfSquares(model.gradientSlab()));
        if (!Double.isFinite(norm)) {
            if (errorIfNonFinite) {
                throw new IllegalArgumentException(
                        "The total norm of gradients is "
                                + norm
                                + ", so they cannot be clipped; lower the learning rate or check the data");
            }
            return norm;
        }
        float coef = scaleFor(norm, maxNorm);
        if (coef < 1f) {
            model.backend().scale(model.gradientSlab(), coef);
        }
        return norm;
    }

    /**
     * PyTorch's clip-by-norm factor for a finite global {@code norm}: {@code maxNorm / (norm +
     * 1e-6)} when that is below 1, else 1. The trainer applies it inside the optimizer's update
     * pass instead of scaling the gradients.
     */
    public static float scaleFor(double norm, float maxNorm) {
        double coef = maxNorm / (norm + 1e-6);
        return coef < 1 ? (float) coef : 1f;
    }

    /** Clamps every gradient element to [-clipValue, clipValue]. */
    public static void clipGradValue(Model model, float clipValue) {
        if (!(clipValue >= 0f)) {
            throw new IllegalArgumentException(
                    "Invalid clip value: " + clipValue + " (must be ≥ 0)");
        }
        model.backend().clamp(model.gradientSlab(), -clipValue, clipValue);
    }
}
