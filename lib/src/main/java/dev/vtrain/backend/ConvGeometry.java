package dev.vtrain.backend;

/**
 * The geometry of a 2-d convolution over channels-last images, fixed when a model is built: input
 * {@code (H, W, C)} per sample, kernel {@code kh × kw}, stride, zero padding, dilation and groups,
 * output {@code (oh, ow)} as PyTorch computes it ({@code floor((H + 2p - d(k - 1) - 1) / s) + 1}).
 * Immutable.
 *
 * @param h input height
 * @param w input width
 * @param c input channels
 * @param kh kernel height
 * @param kw kernel width
 * @param sh stride along height
 * @param sw stride along width
 * @param ph zero padding along height (each side)
 * @param pw zero padding along width (each side)
 * @param dh dilation along height
 * @param dw dilation along width
 * @param groups channel groups (input and output channels are split into this many)
 */
public record ConvGeometry(
        int h,
        int w,
        int c,
        int kh,
        int kw,
        int sh,
        int sw,
        int ph,
        int pw,
        int dh,
        int dw,
        int groups) {
    /** Output height. */
    public int oh() {
        return (h + 2 * ph - dh * (kh - 1) - 1) / sh + 1;
    }

    /** Output width. */
    public int ow() {
        return (w + 2 * pw - dw * (kw - 1) - 1) / sw + 1;
    }

    /** Input channels per group. */
    public int groupChannels() {
        return c / groups;
    }

    /** Columns of the unfolded input per group: {@code kh · kw · c / groups}. */
    public int patch() {
        return kh * kw * (c / groups);
    }

    /** Whether the convolution reads its input as it is (1×1, stride 1, no padding, one group). */
    public boolean pointwise() {
        return kh == 1 && kw == 1 && sh == 1 && sw == 1 && ph == 0 && pw == 0 && groups == 1;
    }
}
