package dev.vtrain.nn;

/**
 * A convolution weight kept in the slab as {@code (out, kh, kw, in/groups)}, the row order of the
 * channels-last patches the GEMM multiplies, and saved as PyTorch's {@code (out, in/groups, kh,
 * kw)}.
 */
final class ConvWeightLayout implements StorageLayout {
    private final int out;
    private final int in;
    private final int kh;
    private final int kw;

    ConvWeightLayout(int out, int in, int kh, int kw) {
        this.out = out;
        this.in = in;
        this.kh = kh;
        this.kw = kw;
    }

    @Override
    public void toStorage(float[] file, float[] storage) {
        for (int o = 0; o < out; o++) {
            for (int c = 0; c < in; c++) {
                for (int i = 0; i < kh; i++) {
                    for (int j = 0; j < kw; j++) {
                        storage[((o * kh + i) * kw + j) * in + c] =
                                file[((o * in + c) * kh + i) * kw + j];
                    }
                }
            }
        }
    }

    @Override
    public void toFile(float[] storage, float[] file) {
        for (int o = 0; o < out; o++) {
            for (int c = 0; c < in; c++) {
                for (int i = 0; i < kh; i++) {
                    for (int j = 0; j < kw; j++) {
                        file[((o * in + c) * kh + i) * kw + j] =
                                storage[((o * kh + i) * kw + j) * in + c];
                    }
                }
            }
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ConvWeightLayout l
                && l.out == out
                && l.in == in
                && l.kh == kh
                && l.kw == kw;
    }

    @Override
    public int hashCode() {
        return ((out * 31 + in) * 31 + kh) * 31 + kw;
    }
}
