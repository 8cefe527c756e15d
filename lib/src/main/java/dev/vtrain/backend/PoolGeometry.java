package dev.vtrain.backend;

/**
 * The geometry of 2-d pooling over channels-last images {@code (H, W, C)}: a fixed window ({@code
 * kh × kw}, stride, zero padding, floor mode, as PyTorch's {@code MaxPool2d}/{@code AvgPool2d} with
 * {@code count_include_pad=True}) or, when {@code adaptive}, PyTorch's adaptive windows for an
 * {@code oh × ow} output (rows {@code floor(i·H/oh)} to {@code ceil((i+1)·H/oh)}). Immutable.
 *
 * @param h input height
 * @param w input width
 * @param c channels
 * @param kh window height (unused when adaptive)
 * @param kw window width (unused when adaptive)
 * @param sh stride along height (unused when adaptive)
 * @param sw stride along width (unused when adaptive)
 * @param ph padding along height (unused when adaptive)
 * @param pw padding along width (unused when adaptive)
 * @param oh output height
 * @param ow output width
 * @param adaptive adaptive windows
 */
public record PoolGeometry(
        int h,
        int w,
        int c,
        int kh,
        int kw,
        int sh,
        int sw,
        int ph,
        int pw,
        int oh,
        int ow,
        boolean adaptive) {

    /** A fixed-window geometry with PyTorch's floor-mode output size. */
    public static PoolGeometry window(
            int h, int w, int c, int kh, int kw, int sh, int sw, int ph, int pw) {
        return new PoolGeometry(
                h,
                w,
                c,
                kh,
                kw,
                sh,
                sw,
                ph,
                pw,
                (h + 2 * ph - kh) / sh + 1,
                (w + 2 * pw - kw) / sw + 1,
                false);
    }

    /** An adaptive geometry for an {@code oh × ow} output. */
    public static PoolGeometry adaptive(int h, int w, int c, int oh, int ow) {
        return new PoolGeometry(h, w, c, 0, 0, 0, 0, 0, 0, oh, ow, true);
    }

    /** First input row of output row {@code i} (may be negative with padding). */
    public int rowStart(int i) {
        return adaptive ? Math.floorDiv(i * h, oh) : i * sh - ph;
    }

    /** One past the last input row of output row {@code i} (may exceed H with padding). */
    public int rowEnd(int i) {
        return adaptive ? -Math.floorDiv(-(i + 1) * h, oh) : i * sh - ph + kh;
    }

    /** First input column of output column {@code j}. */
    public int colStart(int j) {
        return adaptive ? Math.floorDiv(j * w, ow) : j * sw - pw;
    }

    /** One past the last input column of output column {@code j}. */
    public int colEnd(int j) {
        return adaptive ? -Math.floorDiv(-(j + 1) * w, ow) : j * sw - pw + kw;
    }

    /**
     * The divisor of an average over the window of output (i, j): the padded window size for fixed
     * windows ({@code count_include_pad=True}), the window's own size when adaptive.
     */
    public int divisor(int i, int j) {
        return adaptive ? (rowEnd(i) - rowStart(i)) * (colEnd(j) - colStart(j)) : kh * kw;
    }
}
