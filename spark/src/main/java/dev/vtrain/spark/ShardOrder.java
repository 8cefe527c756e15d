package dev.vtrain.spark;

import java.util.SplittableRandom;

/**
 * Which rows a task trains on, step by step. Example {@code i} of the dataset belongs to shard
 * {@code i mod tasks}, ordered by {@code i}; each epoch every shard is shuffled by a permutation
 * that depends only on (seed, epoch, shard), and step {@code s} takes the shard's rows {@code [s·b,
 * (s+1)·b)} of that permutation. So the global batch of a step is the concatenation of the shards'
 * local batches in shard order, whatever machine runs which task — the single-process reference in
 * the tests trains on exactly that. Stateless; any thread may call it.
 */
public final class ShardOrder {
    private ShardOrder() {}

    /** The permutation of a shard's {@code size} local rows in {@code epoch} (1-based). */
    public static int[] permutation(long seed, int epoch, int shard, int size) {
        SplittableRandom rng =
                new SplittableRandom(seed * 0x9E3779B97F4A7C15L + epoch * 1_000_003L + shard);
        int[] p = new int[size];
        for (int i = 0; i < size; i++) {
            p[i] = i;
        }
        for (int i = size - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    /** Steps per epoch: every shard takes a full local batch each step (the rest is dropped). */
    public static int stepsPerEpoch(long smallestShard, int localBatch) {
        return (int) (smallestShard / localBatch);
    }
}
