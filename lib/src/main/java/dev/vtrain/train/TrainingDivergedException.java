package dev.vtrain.train;

/**
 * Training produced a non-finite loss; the message says where and suggests what to change.
 * Immutable; any thread may throw or read it.
 */
public final class TrainingDivergedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** An exception with a complete message. */
    public TrainingDivergedException(String message) {
        super(message);
    }
}
