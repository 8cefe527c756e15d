package dev.vtrain.cli;

/** The worker-thread count a command runs with, from its {@code --threads} flag. */
final class ThreadCount {
    private ThreadCount() {}

    /**
     * {@code threads}, or all available processors when null; warns on standard error when it is
     * more than the processors available (the extra threads only wait for each other).
     *
     * @throws UsageException if {@code threads} is below 1
     */
    static int resolve(Integer threads) {
        int cores = Runtime.getRuntime().availableProcessors();
        if (threads == null) {
            return cores;
        }
        if (threads < 1) {
            throw new UsageException("Invalid --threads " + threads + " (expected a count ≥ 1)");
        }
        if (threads > cores) {
            System.err.println(
                    "vtrain: warning: --threads "
                            + threads
                            + " is more than the "
                            + cores
                            + " processors available; the extra threads only slow the run down");
        }
        return threads;
    }
}
