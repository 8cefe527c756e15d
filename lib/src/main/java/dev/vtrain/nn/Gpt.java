package dev.vtrain.nn;

import dev.vtrain.backend.SequenceOps;
import dev.vtrain.tensor.Shape;
import dev.vtrain.tensor.SlabPlan;
import dev.vtrain.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A GPT-2 style decoder-only transformer, nanoGPT's {@code GPT}: token embedding {@code wte} plus
 * learned positions {@code wpe}, {@code layers} pre-norm {@link TransformerBlock}s, a final layer
 * norm {@code ln_f}, and an output head tied to {@code wte} (logits {@code = h · wteᵀ}). Input
 * {@code (T)} token ids with {@code T ≤ block}; output {@code (T, vocab)} logits. Parameter names
 * follow nanoGPT's {@code state_dict} ({@code transformer.wte.weight}, {@code
 * transformer.h.0.attn.c_attn.weight}, …; the tied {@code lm_head.weight} is not stored twice);
 * initialisation is GPT-2's (normal(0, 0.02), residual projections scaled by {@code 1/√(2·layers)},
 * zero biases). Weight decay applies to the 2-D weights and embeddings only. Build and run it on
 * the thread that owns its model (see {@link Model}); {@link #declare} stores per-model state, so
 * an instance belongs to at most one model.
 */
public final class Gpt implements Layer {
    /** Most transformer blocks a GPT may have (GPT-3 has 96). */
    public static final int MAX_LAYERS = 4096;

    private final int vocab;
    private final int block;
    private final int layers;
    private final int heads;
    private final int embd;
    private final boolean bias;
    private final float attnDropout;
    private final Dropout embDrop;
    private SlabPlan.Slot embDropped;
    private SlabPlan.Slot embGrad;
    private final TransformerBlock[] blocks;
    private final LayerNorm lnF;
    private ParameterInit embeddingInit = ParameterInit.normal(0.02);
    private SequenceOps ops;
    private int length;
    private ParameterUse wte;
    private ParameterUse wpe;
    private ParameterUse head;
    private SlabPlan.Slot[] hidden;
    private SlabPlan.Slot finalNorm;
    private SlabPlan.Slot[] grads;
    private SlabPlan.Slot finalNormGrad;
    private Tensor positions;
    private Tensor positionGrad;
    private Tensor positionGradTail;

    /**
     * A GPT.
     *
     * @throws IllegalArgumentException if a size is not positive or heads does not divide embd
     */
    public Gpt(int vocab, int block, int layers, int heads, int embd, boolean bias) {
        this(vocab, block, layers, heads, embd, bias, 0f);
    }

    /**
     * A GPT with nanoGPT's {@code dropout} in training: after the embeddings ({@code
     * transformer.drop}), on the attention probabilities and on each block branch's output.
     *
     * @throws IllegalArgumentException as the other constructor, or for dropout outside [0, 1)
     */
    public Gpt(
            int vocab,
            int block,
            int layers,
            int heads,
            int embd,
            boolean bias,
            float attnDropout) {
        if (layers > MAX_LAYERS) { // checked first: blocks are built eagerly, an object each
            throw new IllegalArgumentException(
                    "gpt(layers=" + layers + "): expected at most " + MAX_LAYERS + " layers");
        }
        if (vocab <= 0
                || block <= 0
                || layers <= 0
                || heads <= 0
                || embd <= 0
                || embd % heads != 0) {
            throw new IllegalArgumentException(
                    "gpt(vocab="
                            + vocab
                            + ", block="
                            + block
                            + ", layers="
                            + layers
                            + ", heads="
                            + heads
                            + ", embd="
                            + embd
                            + "): sizes must be positive and heads must divide embd");
        }
        this.vocab = vocab;
        this.block = block;
        this.layers = layers;
        this.heads = heads;
        this.embd = embd;
        this.bias = bias;
        this.attnDropout = attnDropout;
        this.embDrop = attnDropout > 0f ? new Dropout(attnDropout) : null;
        this.blocks = new TransformerBlock[layers];
        for (int i = 0; i < layers; i++) {
            blocks[i] = new TransformerBlock(embd, heads, bias, attnDropout).gptInit(layers);
        }
        this.lnF = new LayerNorm(embd, 1e-5f, true, bias);
    }

    /**
     * Replaces the normal(0, 0.02) initialisation of both embeddings (gradient checks use unit
     * scale: at GPT-2's scale a finite-difference step is as large as the activations themselves).
     */
    Gpt withEmbeddingInit(ParameterInit init) {
        this.embeddingInit = init;
        return this;
    }

    /** Vocabulary size (logits per position). */
    public int vocab() {
        return vocab;
    }

    /** The longest context (positions in {@code wpe}). */
    public int block() {
        return block;
    }

    /** Transformer blocks. */
    public int layers() {
        return layers;
    }

    /** Attention heads per block. */
    public int heads() {
        return heads;
    }

    /** Embedding size. */
    public int embd() {
        return embd;
    }

    /** Whether the Linears and layer norms have biases. */
    public boolean bias() {
        return bias;
    }

    TransformerBlock block(int i) {
        return blocks[i];
    }

    LayerNorm lnF() {
        return lnF;
    }

    ParameterUse tokenEmbedding() {
        return wte;
    }

    ParameterUse positionEmbedding() {
        return wpe;
    }

    @Override
    public Shape outputShape(Shape input) {
        if (input.rank() != 1 || input.dim(0) > block) {
            throw new IllegalArgumentException(
                    this
                            + ": expected token ids (T ≤ "
                            + block
                            + ") but got "
                            + input
                            + (input.rank() == 1
                                    ? " (the context is longer than the model's block)"
                                    : ""));
        }
        return Shape.of(input.dim(0), vocab);
    }

    @Override
    public void declare(Plan plan, Shape input) {
        ops = plan.sequence();
        length = input.dim(0);
        Shape row = Shape.of(length, embd);
        Plan t = plan.child("transformer");
        wte = t.child("wte").param("weight", embeddingInit, embdRows(vocab));
        wpe = t.child("wpe").param("weight", embeddingInit, embdRows(block));
        if (embDrop != null) {
            Plan d = t.child("drop");
            d.enter(embDrop);
            embDrop.declare(d, row);
            embDropped = plan.activation("drop.out", row);
            embGrad = plan.activation("drop.grad", row);
        }
        Plan h = t.child("h");
        for (int i = 0; i < layers; i++) {
            Plan b = h.child(Integer.toString(i));
            b.enter(blocks[i]);
            blocks[i].declare(b, row);
        }
        Plan f = t.child("ln_f");
        f.enter(lnF);
        lnF.declare(f, row);
        // Declared last, so backward reaches it first: it overwrites the tied gradient and the
        // embedding's backward adds to it.
        head = plan.use(wte.parameter());
        hidden = new SlabPlan.Slot[layers + 1];
        for (int i = 0; i <= layers; i++) {
            hidden[i] = plan.activation("hidden." + i, row);
        }
        finalNorm = plan.activation("ln_f.out", row);
        grads =
                new SlabPlan.Slot[] {
                    plan.activation("grad_a", row), plan.activation("grad_b", row)
                };
        finalNormGrad = plan.activation("ln_f.out.grad", row);
    }

    private int[] embdRows(int rows) {
        return new int[] {rows, embd};
    }

    private void views() {
        if (positions == null) {
            positions = wpe.value().firstRows(length);
            positionGrad = wpe.grad().firstRows(length);
            if (length < block) {
                Tensor g = wpe.grad();
                positionGradTail =
                        Tensor.of(
                                g.storage(),
                                g.offset() + (long) length * embd,
                                block - length,
                                embd);
            }
        }
    }

    @Override
    public void forward(Step step, Tensor x, Tensor y) {
        views();
        Tensor h0 = step.get(hidden[0]);
        ops.embedding(h0.matrix(embd), x, wte.value(), positions, length);
        Tensor in = h0;
        if (embDrop != null) {
            in = step.get(embDropped);
            embDrop.forward(step, h0, in);
        }
        for (int i = 0; i < layers; i++) {
            blocks[i].forward(step, i == 0 ? in : step.get(hidden[i]), step.get(hidden[i + 1]));
        }
        Tensor hf = step.get(finalNorm);
        lnF.forward(step, step.get(hidden[layers]), hf);
        step.backend().linear(y.matrix(vocab), hf.matrix(embd), head.value(), null, null);
    }

    @Override
    public void backward(Step step, Tensor x, Tensor y, Tensor dy, Tensor dx) {
        views();
        Tensor hf = step.get(finalNorm);
        Tensor dhf = step.get(finalNormGrad);
        Tensor g = dy.matrix(vocab);
        if (!head.frozen()) {
            step.backend().gemm(head.grad(), g, true, hf.matrix(embd), false, 1f, head.beta(step));
        }
        step.backend().gemm(dhf.matrix(embd), g, false, head.value(), false, 1f, 0f);
        Tensor cur = step.get(grads[layers % 2]);
        lnF.backward(step, step.get(hidden[layers]), hf, dhf, cur);
        for (int i = layers - 1; i >= 0; i--) {
            Tensor below = step.get(grads[i % 2]);
            Tensor blockIn = i == 0 && embDrop != null ? step.get(embDropped) : step.get(hidden[i]);
            blocks[i].backward(step, blockIn, step.get(hidden[i + 1]), cur, below);
            cur = below;
        }
        if (embDrop != null) {
            Tensor dIn = step.get(embGrad);
            embDrop.backward(step, step.get(hidden[0]), step.get(embDropped), cur, dIn);
            cur = dIn;
        }
        boolean tokens = !wte.frozen();
        boolean pos = !wpe.frozen();
        float posBeta = pos ? wpe.beta(step) : 0f;
        ops.embeddingBackward(
                tokens ? wte.grad() : null,
                tokens ? wte.beta(step) : 0f,
                pos ? positionGrad : null,
                posBeta,
                cur.matrix(embd),
                x,
                length);
        if (pos && positionGradTail != null && posBeta == 0f) {
            step.backend().fill(positionGradTail, 0f);
        }
        if (dx != null) {
            step.backend().fill(dx, 0f);
        }
    }

    @Override
    public LayerSpec spec() {
        Map<String, Object> a = new LinkedHashMap<>();
        a.put("vocab", (long) vocab);
        a.put("block", (long) block);
        a.put("layers", (long) layers);
        a.put("heads", (long) heads);
        a.put("embd", (long) embd);
        a.put("bias", bias);
        a.put("dropout", (double) attnDropout);
        return LayerSpec.of("gpt", a);
    }

    @Override
    public String toString() {
        return "GPT(vocab="
                + vocab
                + ", block="
                + block
                + ", layers="
                + layers
                + ", heads="
                + heads
                + ", embd="
                + embd
                + ", bias="
                + (bias ? "True" : "False")
                + ")";
    }
}
