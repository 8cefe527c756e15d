package dev.vtrain.nn.spec;

import java.io.Serial;

/**
 * A malformed model specification. The message is one line, {@code model spec, position N: detail},
 * where N is the 1-based character position the detail is about, or {@code model spec: detail} when
 * it is not about a position. Immutable; any thread may throw or read it.
 */
public final class SpecException extends IllegalArgumentException {
    @Serial private static final long serialVersionUID = 1L;

    private final int position;

    /**
     * An error about the character at the 1-based {@code position} of the spec, or about no
     * position when it is 0.
     *
     * @throws IllegalArgumentException if {@code position} is negative
     */
    public SpecException(int position, String detail) {
        super(dev.vtrain.io.Printable.line(message(position, detail)));
        this.position = position;
    }

    /** An error about no particular position of the spec. */
    public SpecException(String detail) {
        this(0, detail);
    }

    /** The 1-based character position the error is about, or 0 when it is not about a position. */
    public int position() {
        return position;
    }

    private static String message(int position, String detail) {
        if (position < 0) {
            throw new IllegalArgumentException("position has to be 0 or more, but got " + position);
        }
        return position == 0
                ? "model spec: " + detail
                : "model spec, position " + position + ": " + detail;
    }
}
