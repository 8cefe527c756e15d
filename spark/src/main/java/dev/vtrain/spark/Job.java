package dev.vtrain.spark;

import java.io.Serializable;
import java.util.List;

/**
 * What to train and how, as shipped to every barrier task.
 *
 * @param spec the layer spec (e.g. {@code linear(128),relu,linear(10)})
 * @param features input features per example
 * @param classes class names, index = label
 * @param tasks barrier tasks (data-parallel workers)
 * @param globalBatch examples per step over all tasks (a multiple of {@code tasks})
 * @param epochs passes over the data
 * @param lr learning rate
 * @param optimizer {@code adam} or {@code sgd}
 * @param seed initialisation and shuffling seed
 * @param checkpointDir a directory every task can read and task 0 writes checkpoints to (null:
 *     none); a relaunched stage resumes from its newest checkpoint
 * @param checkpointEvery steps between checkpoints (0: at the end of each epoch)
 * @param loopback tasks talk over 127.0.0.1 (local mode) instead of their executors' addresses
 * @param failOnceAtStep fault injection for tests: task 1 of the stage's first attempt throws at
 *     this global step (-1: never)
 */
public record Job(
        String spec,
        int features,
        List<String> classes,
        int tasks,
        int globalBatch,
        int epochs,
        float lr,
        String optimizer,
        long seed,
        String checkpointDir,
        int checkpointEvery,
        boolean loopback,
        long failOnceAtStep)
        implements Serializable {
    /**
     * Checks the settings.
     *
     * @throws IllegalArgumentException naming the bad value
     */
    public Job {
        classes = List.copyOf(classes);
        if (tasks < 1) {
            throw new IllegalArgumentException("Invalid task count " + tasks + " (must be ≥ 1)");
        }
        if (globalBatch < tasks || globalBatch % tasks != 0) {
            throw new IllegalArgumentException(
                    "The global batch "
                            + globalBatch
                            + " must be a positive multiple of the "
                            + tasks
                            + " tasks (each task takes an equal share)");
        }
        if (epochs < 1 || !(lr > 0) || features < 1 || classes.size() < 2) {
            throw new IllegalArgumentException(
                    "need epochs ≥ 1, lr > 0, features ≥ 1 and ≥ 2 classes; got "
                            + epochs
                            + ", "
                            + lr
                            + ", "
                            + features
                            + ", "
                            + classes);
        }
        if (checkpointEvery < 0) {
            throw new IllegalArgumentException(
                    "Invalid checkpointEvery " + checkpointEvery + " (must be ≥ 0; 0: each epoch)");
        }
        if (checkpointDir != null && !java.nio.file.Path.of(checkpointDir).isAbsolute()) {
            throw new IllegalArgumentException(
                    "The checkpoint directory must be an absolute path on a file system every"
                            + " executor mounts, got '"
                            + checkpointDir
                            + "'");
        }
        if (!optimizer.equals("adam") && !optimizer.equals("sgd")) {

            throw new IllegalArgumentException(
                    "Unknown optimizer '" + optimizer + "' (expected adam or sgd)");
        }
    }

    /** Examples per task per step. */
    public int localBatch() {
        return globalBatch / tasks;
    }

    /** A copy training with {@code tasks} tasks (the global batch kept). */
    public Job withTasks(int n) {
        return new Job(
                spec,
                features,
                classes,
                n,
                globalBatch,
                epochs,
                lr,
                optimizer,
                seed,
                checkpointDir,
                checkpointEvery,
                loopback,
                failOnceAtStep);
    }

    /** A copy with checkpoints and fault injection set. */
    public Job withCheckpoints(String dir, int every, long failAt) {
        return new Job(
                spec,
                features,
                classes,
                tasks,
                globalBatch,
                epochs,
                lr,
                optimizer,
                seed,
                dir,
                every,
                loopback,
                failAt);
    }
}
