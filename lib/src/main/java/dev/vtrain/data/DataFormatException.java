package dev.vtrain.data;

/**
 * Input data that cannot be used; the message names the source, the expectation and the finding.
 * Immutable; any thread may throw or read it.
 */
public final class DataFormatException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** An error with a complete message. */
    public DataFormatException(String message) {
        super(dev.vtrain.io.Printable.line(message));
    }

    /** An error caused by an I/O or parse failure. */
    public DataFormatException(String message, Throwable cause) {
        super(dev.vtrain.io.Printable.line(message), cause);
    }
}
