package dev.vtrain.backend.cuda;

/**
 * Every CUDA kernel the backend launches: its PTX module (a resource compiled from {@code
 * lib/src/main/cuda/<module>.cu}) and its entry name. Immutable.
 */
enum Kernel {
    ADD_ROW_VECTOR("core", "vt_add_row_vector"),
    SUM_ROWS("core", "vt_sum_rows"),
    ACTIVATION("core", "vt_activation"),
    ACTIVATION_BACKWARD("core", "vt_activation_backward"),
    SOFTMAX_XENT("core", "vt_softmax_xent"),
    COUNT_CORRECT("core", "vt_count_correct"),
    SQUARED_ERROR("core", "vt_squared_error"),
    SUM_INTO("core", "vt_sum_into"),
    SUM_SQUARES("core", "vt_sum_squares"),
    SUM_DOUBLE("core", "vt_sum_double"),
    ADD_L1("core", "vt_add_l1"),
    SCALE("core", "vt_scale"),
    MULTIPLY("core", "vt_multiply"),
    ADD("core", "vt_add"),
    CLAMP("core", "vt_clamp"),
    DROPOUT_MASK("core", "vt_dropout_mask"),
    IM2COL("conv", "vt_im2col"),
    COL2IM("conv", "vt_col2im"),
    GATHER_COLUMNS("conv", "vt_gather_columns"),
    SCATTER_COLUMNS("conv", "vt_scatter_columns"),
    MAX_POOL("conv", "vt_max_pool"),
    MAX_POOL_BACKWARD("conv", "vt_max_pool_backward"),
    AVG_POOL("conv", "vt_avg_pool"),
    AVG_POOL_BACKWARD("conv", "vt_avg_pool_backward"),
    TRANSPOSE_SAMPLES("conv", "vt_transpose_samples"),
    BN_TRAIN_STATS("norm", "vt_bn_train_stats"),
    BN_EVAL_STATS("norm", "vt_bn_eval_stats"),
    BN_APPLY("norm", "vt_bn_apply"),
    BN_BACKWARD_SUMS("norm", "vt_bn_backward_sums"),
    BN_BACKWARD_DX("norm", "vt_bn_backward_dx"),
    SGD("updates", "vt_sgd"),
    ADAM("updates", "vt_adam"),
    RMSPROP("updates", "vt_rmsprop"),
    ADAGRAD("updates", "vt_adagrad");

    /** Threads per block of every launch (the kernels' {@code VT_BLOCK}). */
    static final int BLOCK = 256;

    private final String module;
    private final String entry;

    Kernel(String module, String entry) {
        this.module = module;
        this.entry = entry;
    }

    String module() {
        return module;
    }

    String entry() {
        return entry;
    }
}
