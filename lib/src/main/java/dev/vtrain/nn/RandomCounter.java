package dev.vtrain.nn;

/**
 * A layer's random state: the number of draws so far (dropout masks come from a counter-based hash
 * keyed by the layer's seed and this count), so a checkpoint restores randomness exactly. Used by
 * the model's training thread only.
 */
public final class RandomCounter {
    private final String name;
    private long value;

    RandomCounter(String name) {
        this.name = name;
    }

    /** The owning layer's path and a label, e.g. {@code 2.dropout}. */
    public String name() {
        return name;
    }

    /** Draws so far. */
    public long value() {
        return value;
    }

    /**
     * Restores the count.
     *
     * @throws IllegalArgumentException if negative
     */
    public void value(long v) {
        if (v < 0) {
            throw new IllegalArgumentException("Invalid draw count " + v + " for " + name);
        }
        value = v;
    }

    /** Returns the current count and advances it. */
    public long next() {
        return value++;
    }
}
