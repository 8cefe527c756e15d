package dev.vtrain.backend;

/**
 * The scalars of one update call, refilled by the optimizer for every slab range (one instance per
 * optimizer, so a step allocates nothing): learning rate, clip-by-norm factor, weight decay, and
 * the rule-specific values (SGD's first-step flag, Adam's bias-corrected step size and {@code
 * sqrt(1 - beta2^t)}). Not thread-safe; owned by one optimizer.
 */
public final class UpdateStep {
    private float lr;
    private float gradScale = 1f;
    private float weightDecay;
    private boolean firstStep;
    private float stepSize;
    private float bias2Sqrt = 1f;

    /** Sets the common scalars and returns this. */
    public UpdateStep set(float lr, float gradScale, float weightDecay) {
        this.lr = lr;
        this.gradScale = gradScale;
        this.weightDecay = weightDecay;
        return this;
    }

    /** Sets SGD's first-step flag (the momentum buffer starts as the gradient) and returns this. */
    public UpdateStep firstStep(boolean value) {
        this.firstStep = value;
        return this;
    }

    /** Sets Adam's bias corrections and returns this. */
    public UpdateStep adamCorrections(float stepSize, float bias2Sqrt) {
        this.stepSize = stepSize;
        this.bias2Sqrt = bias2Sqrt;
        return this;
    }

    /** The learning rate of this range. */
    public float lr() {
        return lr;
    }

    /** The factor the gradient is read with (clip by norm; 1 otherwise). */
    public float gradScale() {
        return gradScale;
    }

    /** Weight decay of this range. */
    public float weightDecay() {
        return weightDecay;
    }

    /** SGD: whether this is the first step. */
    public boolean firstStep() {
        return firstStep;
    }

    /** Adam: {@code lr / (1 - beta1^t)}. */
    public float stepSize() {
        return stepSize;
    }

    /** Adam: {@code sqrt(1 - beta2^t)}. */
    public float bias2Sqrt() {
        return bias2Sqrt;
    }
}
