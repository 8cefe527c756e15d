package dev.vtrain.nn;

import dev.vtrain.backend.Activation;
import dev.vtrain.backend.Backend;
import dev.vtrain.backend.SequenceOps;
import dev.vtrain.tensor.Shape;
import dev.vtrain.tensor.SlabPlan;
import dev.vtrain.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Multi-layer recurrent networks with PyTorch's semantics and {@code state_dict} names ({@code
 * nn.RNN}, {@code nn.LSTM}, {@code nn.GRU} with {@code batch_first=True}, zero initial states):
 * input {@code (T, in)}, output the last layer's hidden states {@code (T, hidden)} or, with {@code
 * last}, only its final state {@code (hidden)}. Per layer l: {@code weight_ih_l<l>} ({@code G·H ×
 * in}), {@code weight_hh_l<l>} ({@code G·H × H}), {@code bias_ih_l<l>}, {@code bias_hh_l<l>}
 * ({@code G·H}), all uniform in ±1/√H; gates in PyTorch's order (LSTM i, f, g, o; GRU r, z, n with
 * the reset gate applied to {@code W_hn h + b_hn}). Build and run it on the thread that owns its
 * model (see {@link Model}); {@link #declare} stores per-model state, so an instance belongs to at
 * most one model.
 *
 * <p>Computed time-major: the input projection of every step is one matrix product per gate, then
 * each step adds {@code h_{t-1} · W_hhᵀ} and applies the cell; backpropagation through time runs
 * the steps in reverse, and the weight gradients are again one product per gate over all steps.
 * Gate blocks are row ranges of the weights, so every element-wise op works on whole {@code (B, H)}
 * tensors. Views for each batch size are made once.
 */
public final class Recurrent implements Layer {
    /** The cell. */
    public enum Cell {
        /** {@code h' = tanh(W_ih x + b_ih + W_hh h + b_hh)}. */
        RNN_TANH(1, "rnn"),
        /** {@code h' = relu(W_ih x + b_ih + W_hh h + b_hh)}. */
        RNN_RELU(1, "rnn"),
        /** Long short-term memory. */
        LSTM(4, "lstm"),
        /** Gated recurrent unit. */
        GRU(3, "gru");

        final int gates;
        final String type;

        Cell(int gates, String type) {
            this.gates = gates;
            this.type = type;
        }
    }

    private final Cell cell;
    private final int inputSize;
    private final int hidden;
    private final int layers;
    private final boolean bias;
    private final boolean last;
    private final int g;
    private Backend backend;
    private SequenceOps ops;
    private int length;
    private ParameterUse[] wih;
    private ParameterUse[] whh;
    private ParameterUse[] bih;
    private ParameterUse[] bhh;
    private SlabPlan.Slot inputSlot;
    private SlabPlan.Slot[] gatesSlot;
    private SlabPlan.Slot[] hSlot;
    private SlabPlan.Slot[] cSlot;
    private SlabPlan.Slot[] tcSlot;
    private SlabPlan.Slot[] hnSlot;
    private SlabPlan.Slot dGatesSlot;
    private SlabPlan.Slot dHnSlot;
    private SlabPlan.Slot[] dhSlot;
    private SlabPlan.Slot dInputSlot;
    private SlabPlan.Slot tempSlot;
    private Tensor[][][] weightViews;
    private Views[] views;

    /**
     * A recurrent stack.
     *
     * @throws IllegalArgumentException if a size is not positive
     */
    public Recurrent(Cell cell, int inputSize, int hidden, int layers, boolean bias, boolean last) {
        if (inputSize <= 0 || hidden <= 0 || layers <= 0 || layers > Gpt.MAX_LAYERS) {
            throw new IllegalArgumentException(
                    cell.type
                            + "(input_size="
                            + inputSize
                            + ", hidden_size="
                            + hidden
                            + ", num_layers="
                            + layers
                            + "): sizes must be positive, at most "
                            + Gpt.MAX_LAYERS
                            + " layers");
        }
        this.cell = cell;
        this.inputSize = inputSize;
        this.hidden = hidden;
        this.layers = layers;
        this.bias = bias;
        this.last = last;
        this.g = cell.gates;
    }

    /** The cell. */
    public Cell cell() {
        return cell;
    }

    /** Hidden size. */
    public int hidden() {
        return hidden;
    }

    @Override
    public Shape outputShape(Shape input) {
        if (input.rank() != 2 || input.last() != inputSize) {
            throw new IllegalArgumentException(
                    this + ": expected a sequence (T, " + inputSize + ") but got " + input);
        }
        return last ? Shape.of(hidden) : Shape.of(input.dim(0), hidden);
    }

    private int in(int l) {
        return l == 0 ? inputSize : hidden;
    }

    @Override
    public void declare(Plan plan, Shape input) {
        ops = plan.sequence();
        length = input.dim(0);
        ParameterInit init = ParameterInit.uniform(1.0 / Math.sqrt(hidden));
        wih = new ParameterUse[layers];
        whh = new ParameterUse[layers];
        bih = new ParameterUse[layers];
        bhh = new ParameterUse[layers];
        for (int l = 0; l < layers; l++) {
            wih[l] = plan.param("weight_ih_l" + l, init, g * hidden, in(l));
            whh[l] = plan.param("weight_hh_l" + l, init, g * hidden, hidden);
            if (bias) {
                bih[l] = plan.param("bias_ih_l" + l, init, g * hidden);
                bhh[l] = plan.param("bias_hh_l" + l, init, g * hidden);
            }
        }
        Shape seq = Shape.of(length, hidden);
        inputSlot = plan.activation("input.time_major", input);
        gatesSlot = new SlabPlan.Slot[layers];
        hSlot = new SlabPlan.Slot[layers];
        cSlot = new SlabPlan.Slot[layers];
        tcSlot = new SlabPlan.Slot[layers];
        hnSlot = new SlabPlan.Slot[layers];
        for (int l = 0; l < layers; l++) {
            gatesSlot[l] = plan.activation("gates_l" + l, Shape.of(g, length, hidden));
            hSlot[l] = plan.activation("h_l" + l, seq);
            if (cell == Cell.LSTM) {
                cSlot[l] = plan.activation("c_l" + l, seq);
                tcSlot[l] = plan.activation("tanh_c_l" + l, seq);
            }
            if (cell == Cell.GRU) {
                hnSlot[l] = plan.activation("hn_l" + l, seq);
            }
        }
        dGatesSlot = plan.activation("gates.grad", Shape.of(g, length, hidden));
        if (cell == Cell.GRU) {
            dHnSlot = plan.activation("hn.grad", seq);
        }
        dhSlot =
                new SlabPlan.Slot[] {
                    plan.activation("h.grad_a", seq), plan.activation("h.grad_b", seq)
                };
        dInputSlot = plan.activation("input.grad.time_major", input);
        tempSlot = plan.activation("temp", Shape.of(4, hidden));
        views = new Views[plan.maxBatch() + 1];
    }

    /** Row block {@code gate} of a (G·H × cols) parameter tensor. */
    private static Tensor rows(Tensor t, int gate, int h, int cols) {
        return Tensor.of(t.storage(), t.offset() + (long) gate * h * cols, h, cols);
    }

    private static Tensor block(Tensor t, int gate, int h) {
        return Tensor.of(t.storage(), t.offset() + (long) gate * h, h);
    }

    /** [l][0: w_ih, 1: w_hh, 2: b_ih, 3: b_hh, 4–7: their gradients][gate]. */
    private Tensor[][][] weights() {
        if (weightViews == null) {
            weightViews = new Tensor[layers][8][g];
            for (int l = 0; l < layers; l++) {
                for (int q = 0; q < g; q++) {
                    weightViews[l][0][q] = rows(wih[l].value(), q, hidden, in(l));
                    weightViews[l][1][q] = rows(whh[l].value(), q, hidden, hidden);
                    weightViews[l][4][q] = rows(wih[l].grad(), q, hidden, in(l));
                    weightViews[l][5][q] = rows(whh[l].grad(), q, hidden, hidden);
                    if (bias) {
                        weightViews[l][2][q] = block(bih[l].value(), q, hidden);
                        weightViews[l][3][q] = block(bhh[l].value(), q, hidden);
                        weightViews[l][6][q] = block(bih[l].grad(), q, hidden);
                        weightViews[l][7][q] = block(bhh[l].grad(), q, hidden);
                    }
                }
            }
        }
        return weightViews;
    }

    /** Time-major views of the planned buffers for one batch size. */
    private final class Views {
        final Tensor x;
        final Tensor dx;
        final Tensor[][] gatesAll;
        final Tensor[][][] gates;
        final Tensor[] hAll;
        final Tensor[][] h;
        final Tensor[] hHead;
        final Tensor[][] c;
        final Tensor[][] tc;
        final Tensor[][] hn;
        final Tensor[] dGatesAll;
        final Tensor[][] dGates;
        final Tensor[] dGatesTail;
        final Tensor dHnAll;
        final Tensor[] dHn;
        final Tensor dHnTail;
        final Tensor[] dhAll;
        final Tensor[][] dh;
        final Tensor[] temp;

        Views(Step step, int b) {
            int rowsAll = length * b;
            x = seq(step.get(inputSlot), 0, rowsAll, inputSize);
            dx = seq(step.get(dInputSlot), 0, rowsAll, inputSize);
            gatesAll = new Tensor[layers][g];
            gates = new Tensor[layers][g][length];
            hAll = new Tensor[layers];
            h = new Tensor[layers][];
            hHead = new Tensor[layers];
            c = new Tensor[layers][];
            tc = new Tensor[layers][];
            hn = new Tensor[layers][];
            for (int l = 0; l < layers; l++) {
                Tensor gt = step.get(gatesSlot[l]);
                for (int q = 0; q < g; q++) {
                    gatesAll[l][q] = seq(gt, (long) q * rowsAll * hidden, rowsAll, hidden);
                    gates[l][q] = steps(gatesAll[l][q], b);
                }
                hAll[l] = seq(step.get(hSlot[l]), 0, rowsAll, hidden);
                h[l] = steps(hAll[l], b);
                hHead[l] = seq(hAll[l], 0, rowsAll - b, hidden);
                if (cell == Cell.LSTM) {
                    c[l] = steps(seq(step.get(cSlot[l]), 0, rowsAll, hidden), b);
                    tc[l] = steps(seq(step.get(tcSlot[l]), 0, rowsAll, hidden), b);
                }
                if (cell == Cell.GRU) {
                    hn[l] = steps(seq(step.get(hnSlot[l]), 0, rowsAll, hidden), b);
                }
            }
            Tensor dg = step.get(dGatesSlot);
            dGatesAll = new Tensor[g];
            dGates = new Tensor[g][];
            dGatesTail = new Tensor[g];
            for (int q = 0; q < g; q++) {
                dGatesAll[q] = seq(dg, (long) q * rowsAll * hidden, rowsAll, hidden);
                dGates[q] = steps(dGatesAll[q], b);
                dGatesTail[q] = seq(dGatesAll[q], (long) b * hidden, rowsAll - b, hidden);
            }
            if (cell == Cell.GRU) {
                dHnAll = seq(step.get(dHnSlot), 0, rowsAll, hidden);
                dHn = steps(dHnAll, b);
                dHnTail = seq(dHnAll, (long) b * hidden, rowsAll - b, hidden);
            } else {
                dHnAll = null;
                dHn = null;
                dHnTail = null;
            }
            dhAll = new Tensor[2];
            dh = new Tensor[2][];
            for (int i = 0; i < 2; i++) {
                dhAll[i] = seq(step.get(dhSlot[i]), 0, rowsAll, hidden);
                dh[i] = steps(dhAll[i], b);
            }
            Tensor tp = step.get(tempSlot);
            temp = new Tensor[4];
            for (int i = 0; i < 4; i++) {
                temp[i] = seq(tp, (long) i * b * hidden, b, hidden);
            }
        }

        private Tensor seq(Tensor base, long offset, int rows, int cols) {
            return Tensor.of(base.storage(), base.offset() + offset, Math.max(rows, 1), cols);
        }

        private Tensor[] steps(Tensor all, int b) {
            Tensor[] out = new Tensor[length];
            for (int t = 0; t < length; t++) {
                out[t] =
                        Tensor.of(
                                all.storage(),
                                all.offset() + (long) t * b * all.cols(),
                                b,
                                all.cols());
            }
            return out;
        }
    }

    private Views views(Step step) {
        int b = step.batch();
        if (views[b] == null) {
            views[b] = new Views(step, b);
        }
        return views[b];
    }

    @Override
    public void forward(Step step, Tensor x, Tensor y) {
        backend = step.backend();
        Views v = views(step);
        Tensor[][][] w = weights();
        int b = step.batch();
        ops.transposeBlocks(v.x, x, b, length, inputSize);
        for (int l = 0; l < layers; l++) {
            Tensor in = l == 0 ? v.x : v.hAll[l - 1];
            for (int q = 0; q < g; q++) {
                backend.linear(v.gatesAll[l][q], in, w[l][0][q], bias ? w[l][2][q] : null, null);
            }
            for (int t = 0; t < length; t++) {
                Tensor hPrev = t == 0 ? null : v.h[l][t - 1];
                for (int q = 0; q < g; q++) {
                    if (cell == Cell.GRU && q == 2) {
                        Tensor hnT = v.hn[l][t];
                        if (hPrev == null) {
                            backend.fill(hnT, 0f);
                            if (bias) {
                                backend.addRowVector(hnT, w[l][3][2]);
                            }
                        } else {
                            backend.linear(hnT, hPrev, w[l][1][2], bias ? w[l][3][2] : null, null);
                        }
                        continue;
                    }
                    Tensor gt = v.gates[l][q][t];
                    if (hPrev != null) {
                        backend.gemm(gt, hPrev, false, w[l][1][q], true, 1f, 1f);
                    }
                    if (bias) {
                        backend.addRowVector(gt, w[l][3][q]);
                    }
                }
                cellForward(v, l, t, hPrev);
            }
        }
        Tensor top = v.hAll[layers - 1];
        if (last) {
            backend.copy(v.h[layers - 1][length - 1], y);
        } else {
            ops.transposeBlocks(y, top, length, b, hidden);
        }
    }

    private void cellForward(Views v, int l, int t, Tensor hPrev) {
        Tensor[] tmp = v.temp;
        Tensor ht = v.h[l][t];
        switch (cell) {
            case RNN_TANH, RNN_RELU -> {
                Tensor a = v.gates[l][0][t];
                backend.activation(cell == Cell.RNN_TANH ? Activation.TANH : Activation.RELU, a, a);
                backend.copy(a, ht);
            }
            case LSTM -> {
                Tensor i = v.gates[l][0][t];
                Tensor f = v.gates[l][1][t];
                Tensor gg = v.gates[l][2][t];
                Tensor o = v.gates[l][3][t];
                backend.activation(Activation.SIGMOID, i, i);
                backend.activation(Activation.SIGMOID, f, f);
                backend.activation(Activation.TANH, gg, gg);
                backend.activation(Activation.SIGMOID, o, o);
                Tensor ct = v.c[l][t];
                if (hPrev == null) {
                    backend.multiply(i, gg, ct);
                } else {
                    backend.multiply(f, v.c[l][t - 1], ct);
                    backend.multiply(i, gg, tmp[0]);
                    backend.add(ct, tmp[0], ct);
                }
                backend.activation(Activation.TANH, ct, v.tc[l][t]);
                backend.multiply(o, v.tc[l][t], ht);
            }
            case GRU -> {
                Tensor r = v.gates[l][0][t];
                Tensor z = v.gates[l][1][t];
                Tensor n = v.gates[l][2][t];
                backend.activation(Activation.SIGMOID, r, r);
                backend.activation(Activation.SIGMOID, z, z);
                backend.multiply(r, v.hn[l][t], tmp[0]);
                backend.add(n, tmp[0], n);
                backend.activation(Activation.TANH, n, n);
                // h' = n + z (h - n)
                backend.multiply(z, n, tmp[0]);
                backend.scale(tmp[0], -1f);
                backend.add(n, tmp[0], ht);
                if (hPrev != null) {
                    backend.multiply(z, hPrev, tmp[1]);
                    backend.add(ht, tmp[1], ht);
                }
            }
        }
    }

    @Override
    public void backward(Step step, Tensor x, Tensor y, Tensor dy, Tensor dx) {
        backend = step.backend();
        Views v = views(step);
        Tensor[][][] w = weights();
        int b = step.batch();
        int cur = 0;
        if (last) {
            backend.fill(v.dhAll[cur], 0f);
            backend.copy(dy, v.dh[cur][length - 1]);
        } else {
            ops.transposeBlocks(v.dhAll[cur], dy, b, length, hidden);
        }
        Tensor[] tmp = v.temp;
        for (int l = layers - 1; l >= 0; l--) {
            Tensor[] dh = v.dh[cur];
            Tensor dhNext = tmp[2];
            Tensor dcNext = tmp[3];
            for (int t = length - 1; t >= 0; t--) {
                Tensor d = dh[t];
                if (t < length - 1) {
                    backend.add(d, dhNext, d);
                }
                cellBackward(v, w, l, t, d, dhNext, dcNext);
            }
            boolean below = l > 0 || dx != null;
            Tensor in = l == 0 ? v.x : v.hAll[l - 1];
            parameterGradients(step, v, w, l, in);
            if (below) {
                Tensor dIn = l == 0 ? v.dx : v.dhAll[1 - cur];
                for (int q = 0; q < g; q++) {
                    backend.gemm(
                            dIn, v.dGatesAll[q], false, w[l][0][q], false, 1f, q == 0 ? 0f : 1f);
                }
                cur = 1 - cur;
            } else {
                break;
            }
        }
        if (dx != null) {
            ops.transposeBlocks(dx, v.dx, length, b, inputSize);
        }
    }

    /** One step of BPTT: dGates[·][t] from d (dL/dh_t), and dhNext (dL/dh_{t-1}) when t > 0. */
    private void cellBackward(
            Views v, Tensor[][][] w, int l, int t, Tensor d, Tensor dhNext, Tensor dcNext) {
        Tensor[] tmp = v.temp;
        Tensor hPrev = t == 0 ? null : v.h[l][t - 1];
        switch (cell) {
            case RNN_TANH, RNN_RELU -> {
                Activation f = cell == Cell.RNN_TANH ? Activation.TANH : Activation.RELU;
                backend.activationBackward(f, v.gates[l][0][t], d, v.dGates[0][t]);
                if (hPrev != null) {
                    backend.gemm(dhNext, v.dGates[0][t], false, w[l][1][0], false, 1f, 0f);
                }
            }
            case LSTM -> {
                Tensor i = v.gates[l][0][t];
                Tensor f = v.gates[l][1][t];
                Tensor gg = v.gates[l][2][t];
                Tensor o = v.gates[l][3][t];
                Tensor tc = v.tc[l][t];
                backend.multiply(d, tc, tmp[0]);
                backend.activationBackward(Activation.SIGMOID, o, tmp[0], v.dGates[3][t]);
                backend.multiply(d, o, tmp[0]);
                backend.activationBackward(Activation.TANH, tc, tmp[0], tmp[0]);
                if (t < length - 1) {
                    backend.add(tmp[0], dcNext, tmp[0]);
                }
                backend.multiply(tmp[0], gg, tmp[1]);
                backend.activationBackward(Activation.SIGMOID, i, tmp[1], v.dGates[0][t]);
                backend.multiply(tmp[0], i, tmp[1]);
                backend.activationBackward(Activation.TANH, gg, tmp[1], v.dGates[2][t]);
                if (hPrev != null) {
                    backend.multiply(tmp[0], v.c[l][t - 1], tmp[1]);
                    backend.activationBackward(Activation.SIGMOID, f, tmp[1], v.dGates[1][t]);
                    backend.multiply(tmp[0], f, dcNext);
                    for (int q = 0; q < 4; q++) {
                        backend.gemm(
                                dhNext,
                                v.dGates[q][t],
                                false,
                                w[l][1][q],
                                false,
                                1f,
                                q == 0 ? 0f : 1f);
                    }
                } else {
                    backend.fill(v.dGates[1][t], 0f);
                }
            }
            case GRU -> {
                Tensor r = v.gates[l][0][t];
                Tensor z = v.gates[l][1][t];
                Tensor n = v.gates[l][2][t];
                Tensor hn = v.hn[l][t];
                // dn = d (1 - z); through tanh: the input-side gradient of n.
                backend.multiply(d, z, tmp[0]);
                backend.scale(tmp[0], -1f);
                backend.add(d, tmp[0], tmp[0]);
                Tensor dn = v.dGates[2][t];
                backend.activationBackward(Activation.TANH, n, tmp[0], dn);
                backend.multiply(dn, r, v.dHn[t]);
                backend.multiply(dn, hn, tmp[0]);
                backend.activationBackward(Activation.SIGMOID, r, tmp[0], v.dGates[0][t]);
                // dz = d (h_{t-1} - n)
                backend.copy(n, tmp[1]);
                backend.scale(tmp[1], -1f);
                if (hPrev != null) {
                    backend.add(hPrev, tmp[1], tmp[1]);
                }
                backend.multiply(d, tmp[1], tmp[1]);
                backend.activationBackward(Activation.SIGMOID, z, tmp[1], v.dGates[1][t]);
                if (hPrev != null) {
                    backend.multiply(d, z, dhNext);
                    backend.gemm(dhNext, v.dGates[0][t], false, w[l][1][0], false, 1f, 1f);
                    backend.gemm(dhNext, v.dGates[1][t], false, w[l][1][1], false, 1f, 1f);
                    backend.gemm(dhNext, v.dHn[t], false, w[l][1][2], false, 1f, 1f);
                }
            }
        }
    }

    private void parameterGradients(Step step, Views v, Tensor[][][] w, int l, Tensor in) {
        if (!wih[l].frozen()) {
            float beta = wih[l].beta(step);
            for (int q = 0; q < g; q++) {
                backend.gemm(w[l][4][q], v.dGatesAll[q], true, in, false, 1f, beta);
            }
        }
        if (!whh[l].frozen()) {
            float beta = whh[l].beta(step);
            for (int q = 0; q < g; q++) {
                if (length == 1) {
                    if (beta == 0f) {
                        backend.fill(w[l][5][q], 0f);
                    }
                    continue;
                }
                Tensor dg = cell == Cell.GRU && q == 2 ? v.dHnTail : v.dGatesTail[q];
                backend.gemm(w[l][5][q], dg, true, v.hHead[l], false, 1f, beta);
            }
        }
        if (bias && !bih[l].frozen()) {
            float beta = bih[l].beta(step);
            for (int q = 0; q < g; q++) {
                backend.sumRows(v.dGatesAll[q], w[l][6][q], beta);
            }
        }
        if (bias && !bhh[l].frozen()) {
            float beta = bhh[l].beta(step);
            for (int q = 0; q < g; q++) {
                Tensor dg = cell == Cell.GRU && q == 2 ? v.dHnAll : v.dGatesAll[q];
                backend.sumRows(dg, w[l][7][q], beta);
            }
        }
    }

    @Override
    public LayerSpec spec() {
        Map<String, Object> a = new LinkedHashMap<>();
        a.put("input_size", (long) inputSize);
        a.put("hidden_size", (long) hidden);
        a.put("num_layers", (long) layers);
        a.put("bias", bias);
        if (cell == Cell.RNN_TANH || cell == Cell.RNN_RELU) {
            a.put("nonlinearity", cell == Cell.RNN_TANH ? "tanh" : "relu");
        }
        a.put("last", last);
        return LayerSpec.of(cell.type, a);
    }

    @Override
    public String toString() {
        return cell.type.toUpperCase(java.util.Locale.ROOT)
                + "("
                + inputSize
                + ", "
                + hidden
                + ", num_layers="
                + layers
                + (cell == Cell.RNN_RELU ? ", nonlinearity='relu'" : "")
                + (last ? ", last state" : "")
                + ")";
    }
}
