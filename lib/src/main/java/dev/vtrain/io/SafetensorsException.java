package dev.vtrain.io;

/**
 * A file that is not a valid safetensors file; the message names the file and the broken rule.
 * Immutable; any thread may throw or read it.
 */
public final class SafetensorsException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** An exception with a complete message. */
    public SafetensorsException(String message) {
        super(dev.vtrain.io.Printable.line(message));
    }
}
