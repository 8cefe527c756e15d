package dev.vtrain.nn.loss;

import dev.vtrain.backend.Backend;
import dev.vtrain.backend.SequenceOps;
import dev.vtrain.tensor.Tensor;

/**
 * Cross-entropy over sequences of logits, as PyTorch's {@code F.cross_entropy(logits.view(-1, V),
 * targets.view(-1), ignore_index=…)}: output {@code (T, V)} per sample, targets {@code (T)} token
 * ids per sample (stored as floats); the mean is over every position whose target is not {@code
 * ignoreIndex} (PyTorch's default -100). Needs the backend's sequence family. Immutable; any thread
 * may hold it, and {@link #compute} runs on the thread using the backend it is given.
 */
public final class SequenceCrossEntropyLoss implements Loss {
    private final int vocab;
    private final int ignoreIndex;

    /** Over a vocabulary of {@code vocab}, ignoring targets equal to -100. */
    public SequenceCrossEntropyLoss(int vocab) {
        this(vocab, -100);
    }

    /**
     * Over a vocabulary of {@code vocab}, ignoring targets equal to {@code ignoreIndex}.
     *
     * @throws IllegalArgumentException if vocab is not positive
     */
    public SequenceCrossEntropyLoss(int vocab, int ignoreIndex) {
        if (vocab <= 0) {
            throw new IllegalArgumentException("Invalid vocabulary size " + vocab);
        }
        this.vocab = vocab;
        this.ignoreIndex = ignoreIndex;
    }

    @Override
    public int targetWidth(int outFeatures) {
        if (outFeatures % vocab != 0) {
            throw new IllegalArgumentException(
                    "SequenceCrossEntropyLoss: the model's "
                            + outFeatures
                            + " outputs per sample are not whole positions of "
                            + vocab
                            + " logits");
        }
        return outFeatures / vocab;
    }

    @Override
    public double meanDivisor(long samples, int outFeatures) {
        return (double) samples * targetWidth(outFeatures);
    }

    @Override
    public void compute(
            Backend backend, Tensor output, Tensor target, Tensor gradOutput, Tensor lossSum) {
        SequenceOps ops = backend.sequence();
        if (ops == null) {
            throw new IllegalArgumentException(
                    "SequenceCrossEntropyLoss needs the sequence op family, which backend '"
                            + backend.name()
                            + "' does not implement");
        }
        ops.crossEntropy(
                output.matrix(vocab),
                target,
                ignoreIndex,
                gradOutput == null ? null : gradOutput.matrix(vocab),
                lossSum);
    }

    @Override
    public String toString() {
        return "CrossEntropyLoss(ignore_index=" + ignoreIndex + ") over " + vocab + " tokens";
    }
}
