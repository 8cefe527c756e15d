package dev.vtrain.spark;

import java.io.Serializable;

/**
 * What one barrier task reports back to the driver.
 *
 * @param rank the task's partition
 * @param model the trained model file's bytes (task 0 only; empty elsewhere)
 * @param steps steps this attempt ran
 * @param resumedAtStep the global step the attempt resumed at (0: from scratch)
 * @param stepNanos time in training steps, all-reduce included
 * @param allReduceNanos time in the all-reduce
 * @param allReduceBytes bytes this task sent per all-reduce
 * @param lastLoss this task's loss on its last local batch
 */
@SuppressWarnings("ArrayRecordComponent") // a value Spark serialises, never compared
public record TaskResult(
        int rank,
        byte[] model,
        long steps,
        long resumedAtStep,
        long stepNanos,
        long allReduceNanos,
        long allReduceBytes,
        double lastLoss)
        implements Serializable {}
