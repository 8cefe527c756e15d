package dev.vtrain.backend.cuda;

import static dev.vtrain.backend.cuda.CudaBackend.grid;
import static dev.vtrain.backend.cuda.CudaBackend.pointer;

import dev.vtrain.backend.ConvGeometry;
import dev.vtrain.backend.ConvOps;
import dev.vtrain.backend.PoolGeometry;
import dev.vtrain.tensor.Tensor;

/**
 * The convolution and pooling family on the GPU: one kernel launch per call ({@code
 * lib/src/main/cuda/conv.cu}); convolution itself is im2col plus cuBLAS GEMM, as on the CPU. The
 * adjoints gather rather than scatter, so they are deterministic. Allocates nothing per call; used
 * by the backend's thread.
 */
final class CudaConvOps implements ConvOps {
    private final CudaBackend backend;

    CudaConvOps(CudaBackend backend) {
        this.backend = backend;
    }

    @Override
    public void im2col(Tensor cols, Tensor x, ConvGeometry g, int group) {
        long total = cols.size();
        if (total == 0) {
            return;
        }
        backend.args()
                .i64(pointer(cols))
                .i64(pointer(x))
                .i32(x.rows())
                .i32(x.cols())
                .conv(g)
                .i32(group);
        backend.run(Kernel.IM2COL, grid(total));
    }

    @Override
    public void col2im(Tensor dx, Tensor dcols, ConvGeometry g, int group) {
        long total = (long) dx.rows() * g.h() * g.w() * g.groupChannels();
        if (total == 0) {
            return;
        }
        backend.args()
                .i64(pointer(dx))
                .i64(pointer(dcols))
                .i32(dx.rows())
                .i32(dx.cols())
                .conv(g)
                .i32(group);
        backend.run(Kernel.COL2IM, grid(total));
    }

    @Override
    public void gatherColumns(Tensor dst, Tensor src, int offset) {
        if (dst.size() == 0) {
            return;
        }
        backend.args()
                .i64(pointer(dst))
                .i64(pointer(src))
                .i32(dst.rows())
                .i32(dst.cols())
                .i32(src.cols())
                .i32(offset);
        backend.run(Kernel.GATHER_COLUMNS, grid(dst.size()));
    }

    @Override
    public void scatterColumns(Tensor dst, Tensor src, int offset) {
        if (src.size() == 0) {
            return;
        }
        backend.args()
                .i64(pointer(dst))
                .i64(pointer(src))
                .i32(src.rows())
                .i32(src.cols())
                .i32(dst.cols())
                .i32(offset);
        backend.run(Kernel.SCATTER_COLUMNS, grid(src.size()));
    }

    @Override
    public void maxPool(Tensor y, Tensor argmax, Tensor x, PoolGeometry g) {
        if (y.size() == 0) {
            return;
        }
        backend.args()
                .i64(pointer(y))
                .i64(argmax == null ? 0L : pointer(argmax))
                .i64(pointer(x))
                .i32(x.rows())
                .pool(g);
        backend.run(Kernel.MAX_POOL, grid(y.size()));
    }

    @Override
    public void maxPoolBackward(Tensor dx, Tensor dy, Tensor argmax, PoolGeometry g) {
        if (dx.size() == 0) {
            return;
        }
        backend.args()
                .i64(pointer(dx))
                .i64(pointer(dy))
                .i64(pointer(argmax))
                .i32(dy.rows())
                .pool(g);
        backend.run(Kernel.MAX_POOL_BACKWARD, grid(dx.size()));
    }

    @Override
    public void avgPool(Tensor y, Tensor x, PoolGeometry g) {
        if (y.size() == 0) {
            return;
        }
        backend.args().i64(pointer(y)).i64(pointer(x)).i32(x.rows()).pool(g);
        backend.run(Kernel.AVG_POOL, grid(y.size()));
    }

    @Override
    public void avgPoolBackward(Tensor dx, Tensor dy, PoolGeometry g) {
        if (dx.size() == 0) {
            return;
        }
        backend.args().i64(pointer(dx)).i64(pointer(dy)).i32(dy.rows()).pool(g);
        backend.run(Kernel.AVG_POOL_BACKWARD, grid(dx.size()));
    }

    @Override
    public void transposeSamples(Tensor dst, Tensor src, int c, int hw, boolean inverse) {
        if (src.size() == 0) {
            return;
        }
        backend.args()
                .i64(pointer(dst))
                .i64(pointer(src))
                .i32(src.rows())
                .i32(c)
                .i32(hw)
                .i32(inverse ? 1 : 0);
        backend.run(Kernel.TRANSPOSE_SAMPLES, grid(src.size()));
    }
}
