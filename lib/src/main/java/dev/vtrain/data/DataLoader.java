package dev.vtrain.data;

import dev.vtrain.backend.Backend;
import dev.vtrain.tensor.Tensor;

/**
 * Batches of a {@link Dataset}: a seeded shuffle per epoch (the permutation of epoch e depends only
 * on the seed and e), fixed-size batches, and a last partial batch. Batch staging buffers are
 * allocated once; {@link #load} allocates nothing. Not thread-safe: {@link #startEpoch} reorders in
 * place and {@link #load} reuses the staging arrays; one thread, the one training the model, uses
 * it.
 */
public final class DataLoader {
    private final Dataset data;
    private final int batchSize;
    private final boolean shuffle;
    private final long seed;
    private final int[] order;
    private final float[] xStage;
    private final float[] yStage;

    /**
     * A loader over {@code data}.
     *
     * @throws IllegalArgumentException if {@code batchSize < 1}
     */
    public DataLoader(Dataset data, int batchSize, boolean shuffle, long seed) {
        if (batchSize < 1) {
            throw new IllegalArgumentException(
                    "Invalid batch size: " + batchSize + " (must be ≥ 1)");
        }
        this.data = data;
        this.batchSize = batchSize;
        this.shuffle = shuffle;
        this.seed = seed;
        this.order = new int[data.size()];
        int rows = Math.min(batchSize, Math.max(1, data.size()));
        this.xStage = new float[rows * data.featureCount()];
        this.yStage = new float[rows * data.targetWidth()];
        startEpoch(0);
    }

    /** The dataset. */
    public Dataset data() {
        return data;
    }

    /** Rows per full batch. */
    public int batchSize() {
        return batchSize;
    }

    /** Batches per epoch, the last one possibly partial. */
    public int batches() {
        return (data.size() + batchSize - 1) / batchSize;
    }

    /** Rows in batch {@code b}. */
    public int rows(int b) {
        return Math.min(batchSize, data.size() - b * batchSize);
    }

    /**
     * Sets the sample order for epoch {@code epoch}: identity, or a seeded Fisher–Yates shuffle.
     */
    public void startEpoch(int epoch) {
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        if (!shuffle) {
            return;
        }
        long state = seed * 0x9E3779B97F4A7C15L + epoch;
        for (int i = order.length - 1; i > 0; i--) {
            state += 0x9E3779B97F4A7C15L;
            long z = state;
            z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
            z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
            z ^= z >>> 31;
            int j = (int) Math.floorMod(z, (long) (i + 1));
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
    }

    /**
     * Copies batch {@code b} of the current epoch into the first rows of {@code x} (rows ×
     * featureCount) and {@code y} (rows × targetWidth), overwriting them; returns the row count.
     */
    public int load(int b, Backend backend, Tensor x, Tensor y) {
        int rows = rows(b);
        int f = data.featureCount();
        int t = data.targetWidth();
        float[] targets = data.targets();
        int start = b * batchSize;
        for (int r = 0; r < rows; r++) {
            int s = order[start + r];
            data.copyRow(s, xStage, r * f);
            System.arraycopy(targets, s * t, yStage, r * t, t);
        }
        backend.upload(xStage, 0, x.firstRows(rows));
        backend.upload(yStage, 0, y.firstRows(rows));
        return rows;
    }
}
