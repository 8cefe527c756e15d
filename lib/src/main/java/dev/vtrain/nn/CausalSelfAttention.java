package dev.vtrain.nn;

import dev.vtrain.backend.DropoutHash;
import dev.vtrain.backend.SequenceOps;
import dev.vtrain.tensor.Shape;
import dev.vtrain.tensor.SlabPlan;
import dev.vtrain.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Causal multi-head self-attention as in GPT-2 (nanoGPT's {@code CausalSelfAttention}): input
 * {@code (T, C)}; {@code c_attn} projects to q, k and v ({@code Linear(C, 3C)}), each head attends
 * with {@code softmax(q·kᵀ / √(C/heads))} over earlier and current positions, and {@code c_proj}
 * ({@code Linear(C, C)}) mixes the heads. The projection, the {@code (heads, T, T)} probabilities
 * and the attended values are planned activations; backward runs through all of them. Build and run
 * it on the thread that owns its model (see {@link Model}); {@link #declare} stores per-model
 * state, so an instance belongs to at most one model.
 */
public final class CausalSelfAttention implements Layer {
    private final int embd;
    private final int heads;
    private final Linear cAttn;
    private final Linear cProj;
    private final float dropout;
    private RandomCounter draws;
    private long seed;
    private long key;
    private float active;
    private SequenceOps ops;
    private int length;
    private SlabPlan.Slot qkv;
    private SlabPlan.Slot probs;
    private SlabPlan.Slot att;
    private SlabPlan.Slot attGrad;
    private SlabPlan.Slot qkvGrad;

    /**
     * Attention over {@code embd} channels split into {@code heads} heads.
     *
     * @throws IllegalArgumentException if heads does not divide embd
     */
    public CausalSelfAttention(int embd, int heads, boolean bias) {
        this(embd, heads, bias, 0f);
    }

    /**
     * Attention with dropout {@code dropout} on the attention probabilities in training (nanoGPT's
     * {@code attn_dropout}; inverted, masks from the layer's seed and a counter of training
     * forwards).
     *
     * @throws IllegalArgumentException if heads does not divide embd or dropout is not in [0, 1)
     */
    public CausalSelfAttention(int embd, int heads, boolean bias, float dropout) {
        if (!(dropout >= 0f && dropout < 1f)) {
            throw new IllegalArgumentException(
                    "CausalSelfAttention: dropout must be in [0, 1), got " + dropout);
        }
        this.dropout = dropout;
        if (embd <= 0 || heads <= 0 || embd % heads != 0) {
            throw new IllegalArgumentException(
                    "CausalSelfAttention(embd="
                            + embd
                            + ", heads="
                            + heads
                            + "): the heads must divide the embedding size");
        }
        this.embd = embd;
        this.heads = heads;
        this.cAttn = new Linear(embd, 3 * embd, bias);
        this.cProj = new Linear(embd, embd, bias);
    }

    /**
     * Sets GPT-2's initialisation: normal(0, 0.02) weights, {@code projStd} for c_proj, zero
     * biases.
     */
    CausalSelfAttention gptInit(double projStd) {
        cAttn.initialised(ParameterInit.normal(0.02), ParameterInit.constant(0f));
        cProj.initialised(ParameterInit.normal(projStd), ParameterInit.constant(0f));
        return this;
    }

    /** Heads. */
    public int heads() {
        return heads;
    }

    Linear cAttn() {
        return cAttn;
    }

    Linear cProj() {
        return cProj;
    }

    @Override
    public Shape outputShape(Shape input) {
        if (input.rank() != 2 || input.last() != embd) {
            throw new IllegalArgumentException(
                    this + ": expected input (T, " + embd + ") but got " + input);
        }
        return input;
    }

    @Override
    public void declare(Plan plan, Shape input) {
        ops = plan.sequence();
        length = input.dim(0);
        Plan a = plan.child("c_attn");
        a.enter(cAttn);
        cAttn.declare(a, input);
        Plan p = plan.child("c_proj");
        p.enter(cProj);
        cProj.declare(p, input);
        if (dropout > 0f) {
            draws = plan.counter("attn_dropout");
            seed = plan.seed();
        }
        qkv = plan.activation("qkv", Shape.of(length, 3 * embd));
        probs = plan.activation("probs", Shape.of(heads * length, length));
        att = plan.activation("att", input);
        attGrad = plan.activation("att.grad", input);
        qkvGrad = plan.activation("qkv.grad", Shape.of(length, 3 * embd));
    }

    @Override
    public void forward(Step step, Tensor x, Tensor y) {
        Tensor q = step.get(qkv);
        Tensor a = step.get(att);
        cAttn.forward(step, x, q);
        active = step.training() ? dropout : 0f;
        key = active > 0f ? DropoutHash.key(seed, draws.next()) : 0L;
        ops.causalAttention(
                a.matrix(embd),
                step.get(probs).matrix(length),
                q.matrix(3 * embd),
                step.batch(),
                length,
                heads,
                active,
                key);
        cProj.forward(step, a, y);
    }

    @Override
    public void backward(Step step, Tensor x, Tensor y, Tensor dy, Tensor dx) {
        Tensor a = step.get(att);
        Tensor da = step.get(attGrad);
        Tensor dq = step.get(qkvGrad);
        cProj.backward(step, a, y, dy, da);
        ops.causalAttentionBackward(
                dq.matrix(3 * embd),
                da.matrix(embd),
                step.get(qkv).matrix(3 * embd),
                step.get(probs).matrix(length),
                step.batch(),
                length,
                heads,
                active,
                key);
        cAttn.backward(step, x, step.get(qkv), dq, dx);
    }

    @Override
    public LayerSpec spec() {
        Map<String, Object> a = new LinkedHashMap<>();
        a.put("embed_dim", (long) embd);
        a.put("num_heads", (long) heads);
        a.put("bias", cAttn.hasBias());
        a.put("dropout", (double) dropout);
        return LayerSpec.of("causal_self_attention", a);
    }

    @Override
    public String toString() {
        return "CausalSelfAttention(embed_dim=" + embd + ", num_heads=" + heads + ")";
    }
}
