package dev.vtrain.nn;

import dev.vtrain.backend.Backend;
import dev.vtrain.tensor.Shape;
import dev.vtrain.tensor.SlabPlan;
import dev.vtrain.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A pre-norm GPT-2 block, nanoGPT's {@code Block}: {@code x = x + attn(ln_1(x))}, then {@code x = x
 * + mlp(ln_2(x))} with {@code mlp = c_proj(gelu(c_fc(x)))} ({@code C → 4C → C}). Children are named
 * {@code ln_1}, {@code attn}, {@code ln_2}, {@code mlp.c_fc}, {@code mlp.c_proj}, as in nanoGPT's
 * {@code state_dict}. Input and output {@code (T, C)}. Build and run it on the thread that owns its
 * model (see {@link Model}); {@link #declare} stores per-model state, so an instance belongs to at
 * most one model.
 */
public final class TransformerBlock implements Layer {
    private final int embd;
    private final float attnDropout;
    private final LayerNorm ln1;
    private final CausalSelfAttention attn;
    private final LayerNorm ln2;
    private final Linear fc;
    private final Gelu gelu;
    private final Linear proj;
    private SlabPlan.Slot a;
    private SlabPlan.Slot attOut;
    private SlabPlan.Slot x1;
    private SlabPlan.Slot b;
    private SlabPlan.Slot h;
    private SlabPlan.Slot g;
    private SlabPlan.Slot mOut;
    private SlabPlan.Slot gradA;
    private SlabPlan.Slot gradX1;
    private SlabPlan.Slot gradB;
    private SlabPlan.Slot gradH;
    private final Dropout residDrop1;
    private final Dropout residDrop2;
    private SlabPlan.Slot attDropped;
    private SlabPlan.Slot mDropped;
    private SlabPlan.Slot gradDrop;

    /**
     * A block of {@code embd} channels and {@code heads} heads; {@code bias} in Linears and norms.
     */
    public TransformerBlock(int embd, int heads, boolean bias) {
        this(embd, heads, bias, 0f);
    }

    /**
     * A block with nanoGPT's dropout {@code attnDropout} in training: on the attention
     * probabilities and on each branch's output before it joins the residual ({@code
     * attn.resid_dropout}, {@code mlp.dropout}).
     */
    public TransformerBlock(int embd, int heads, boolean bias, float attnDropout) {
        this.embd = embd;
        this.ln1 = new LayerNorm(embd, 1e-5f, true, bias);
        this.attn = new CausalSelfAttention(embd, heads, bias, attnDropout);
        this.attnDropout = attnDropout;
        this.residDrop1 = attnDropout > 0f ? new Dropout(attnDropout) : null;
        this.residDrop2 = attnDropout > 0f ? new Dropout(attnDropout) : null;
        this.ln2 = new LayerNorm(embd, 1e-5f, true, bias);
        this.fc = new Linear(embd, 4 * embd, bias);
        this.gelu = new Gelu(false);
        this.proj = new Linear(4 * embd, embd, bias);
    }

    /** GPT-2's initialisation for a model of {@code layers} blocks. */
    TransformerBlock gptInit(int layers) {
        double projStd = 0.02 / Math.sqrt(2.0 * layers);
        attn.gptInit(projStd);
        fc.initialised(ParameterInit.normal(0.02), ParameterInit.constant(0f));
        proj.initialised(ParameterInit.normal(projStd), ParameterInit.constant(0f));
        return this;
    }

    CausalSelfAttention attention() {
        return attn;
    }

    LayerNorm ln1() {
        return ln1;
    }

    LayerNorm ln2() {
        return ln2;
    }

    Linear fc() {
        return fc;
    }

    Linear proj() {
        return proj;
    }

    @Override
    public Shape outputShape(Shape input) {
        return attn.outputShape(input);
    }

    private static void declareChild(Plan plan, String name, Layer l, Shape in) {
        Plan p = plan.child(name);
        p.enter(l);
        l.declare(p, in);
    }

    @Override
    public void declare(Plan plan, Shape input) {
        int t = input.dim(0);
        Shape wide = Shape.of(t, 4 * embd);
        declareChild(plan, "ln_1", ln1, input);
        declareChild(plan, "attn", attn, input);
        declareChild(plan, "ln_2", ln2, input);
        Plan mlp = plan.child("mlp");
        declareChild(mlp, "c_fc", fc, input);
        declareChild(mlp, "gelu", gelu, wide);
        declareChild(mlp, "c_proj", proj, wide);
        if (residDrop1 != null) {
            declareChild(plan.child("attn"), "resid_dropout", residDrop1, input);
            declareChild(mlp, "dropout", residDrop2, input);
            attDropped = plan.activation("attn.out.dropped", input);
            mDropped = plan.activation("mlp.out.dropped", input);
            gradDrop = plan.activation("dropout.grad", input);
        }
        a = plan.activation("ln_1.out", input);
        attOut = plan.activation("attn.out", input);
        x1 = plan.activation("residual_1", input);
        b = plan.activation("ln_2.out", input);
        h = plan.activation("mlp.c_fc.out", wide);
        g = plan.activation("mlp.gelu.out", wide);
        mOut = plan.activation("mlp.out", input);
        gradA = plan.activation("ln_1.out.grad", input);
        gradX1 = plan.activation("residual_1.grad", input);
        gradB = plan.activation("ln_2.out.grad", input);
        gradH = plan.activation("mlp.c_fc.out.grad", wide);
    }

    @Override
    public void forward(Step step, Tensor x, Tensor y) {
        Backend be = step.backend();
        Tensor ta = step.get(a);
        Tensor tAtt = step.get(attOut);
        Tensor tx1 = step.get(x1);
        Tensor tb = step.get(b);
        Tensor th = step.get(h);
        Tensor tg = step.get(g);
        Tensor tm = step.get(mOut);
        ln1.forward(step, x, ta);
        attn.forward(step, ta, tAtt);
        if (residDrop1 != null) {
            Tensor d = step.get(attDropped);
            residDrop1.forward(step, tAtt, d);
            tAtt = d;
        }
        be.add(x, tAtt, tx1);
        ln2.forward(step, tx1, tb);
        fc.forward(step, tb, th);
        gelu.forward(step, th, tg);
        proj.forward(step, tg, tm);
        if (residDrop2 != null) {
            Tensor d = step.get(mDropped);
            residDrop2.forward(step, tm, d);
            tm = d;
        }
        be.add(tx1, tm, y);
    }

    @Override
    public void backward(Step step, Tensor x, Tensor y, Tensor dy, Tensor dx) {
        Backend be = step.backend();
        Tensor tx1 = step.get(x1);
        Tensor tb = step.get(b);
        Tensor th = step.get(h);
        Tensor tg = step.get(g);
        Tensor gh = step.get(gradH);
        Tensor gb = step.get(gradB);
        Tensor gx1 = step.get(gradX1);
        Tensor ga = step.get(gradA);
        Tensor dm = dy;
        if (residDrop2 != null) {
            dm = step.get(gradDrop);
            residDrop2.backward(step, step.get(mOut), step.get(mDropped), dy, dm);
        }
        proj.backward(step, tg, step.get(mOut), dm, gh);
        gelu.backward(step, th, tg, gh, gh);
        fc.backward(step, tb, th, gh, gb);
        ln2.backward(step, tx1, tb, gb, gx1);
        be.add(gx1, dy, gx1);
        Tensor ta = step.get(a);
        Tensor dAtt = gx1;
        if (residDrop1 != null) {
            dAtt = step.get(gradDrop);
            residDrop1.backward(step, step.get(attOut), step.get(attDropped), gx1, dAtt);
        }
        attn.backward(step, ta, step.get(attOut), dAtt, ga);
        ln1.backward(step, x, ta, ga, dx);
        if (dx != null) {
            be.add(dx, gx1, dx);
        }
    }

    @Override
    public LayerSpec spec() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("embed_dim", (long) embd);
        m.put("num_heads", (long) attn.heads());
        m.put("bias", fc.hasBias());
        m.put("dropout", (double) attnDropout);
        return LayerSpec.of("transformer_block", m);
    }

    @Override
    public String toString() {
        return "Block(embd=" + embd + ", heads=" + attn.heads() + ")";
    }
}
