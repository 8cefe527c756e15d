package dev.vtrain.backend;

/**
 * The counter-based random function behind dropout masks, defined once so every backend (and a GPU
 * kernel) draws bit-identical masks: element i of a mask drawn with key k is kept when the top 24
 * bits of {@code fmix32(fmix32(i · 0x9E3779B9 ^ lo(k)) ^ hi(k))} are at least the threshold {@code
 * round(p · 2^24)} (fmix32 is MurmurHash3's finaliser). A mask therefore needs no generator state,
 * only its key, which the caller derives from a seed and a counter. Stateless; any thread may call
 * it.
 */
public final class DropoutHash {
    private DropoutHash() {}

    /** MurmurHash3's 32-bit finaliser. */
    public static int fmix32(int h) {
        h ^= h >>> 16;
        h *= 0x85ebca6b;
        h ^= h >>> 13;
        h *= 0xc2b2ae35;
        h ^= h >>> 16;
        return h;
    }

    /** Keep threshold for drop probability p, on the 24-bit scale. */
    public static int threshold(float p) {
        return (int) Math.round(p * (double) (1 << 24));
    }

    /** The 24-bit uniform value of element {@code index} under {@code key}. */
    public static int draw(long key, int index) {
        int h = fmix32(index * 0x9E3779B9 ^ (int) key);
        return fmix32(h ^ (int) (key >>> 32)) >>> 8;
    }

    /** Whether element {@code index} is kept. */
    public static boolean keep(long key, long index, int threshold) {
        return draw(key, (int) index) >= threshold;
    }

    /**
     * A key for draw number {@code counter} of a stream seeded with {@code seed} (SplitMix64
     * mixing).
     */
    public static long key(long seed, long counter) {
        long z = seed + (counter + 1) * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
