package dev.vtrain.bench;

/**
 * One framework's full training step (forward, cross-entropy, backward, Adam lr 1e-3) on a fixed
 * batch, so {@link TrainStepBench} can time several frameworks side by side in one run.
 */
public interface StepWorkload extends AutoCloseable {
    /** Runs one step. */
    void step();

    /** The loss of the last step, to check that the step really trains. */
    double lastLoss();

    @Override
    void close();

    /**
     * A DJL workload by class name in {@code dev.vtrain.bench.djl}, present only in the benchmarks
     * jar built with the {@code djl} profile.
     *
     * @throws IllegalStateException naming the build command when the class is absent
     */
    static StepWorkload djl(String simpleName, Class<?>[] types, Object... args)
            throws ReflectiveOperationException {
        Class<?> c;
        try {
            c = Class.forName("dev.vtrain.bench.djl." + simpleName);
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException(
                    "impl=djl needs the benchmarks jar built with the djl profile: mvn -Pdjl -pl"
                            + " bench -am package -DskipTests",
                    e);
        }
        return (StepWorkload) c.getConstructor(types).newInstance(args);
    }

    /**
     * Closes {@code workload} and {@code backend} (may be null) after a benchmark.
     *
     * @throws IllegalStateException if the last loss was not finite (the step did not train)
     */
    static void finish(String impl, StepWorkload workload, dev.vtrain.backend.Backend backend) {
        double loss = workload.lastLoss();
        workload.close();
        if (backend != null) {
            backend.close();
        }
        if (!Double.isFinite(loss)) {
            throw new IllegalStateException(impl + " ended with a non-finite loss " + loss);
        }
    }
}
