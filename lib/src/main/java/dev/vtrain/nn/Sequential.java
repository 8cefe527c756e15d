package dev.vtrain.nn;

import dev.vtrain.backend.Activation;
import dev.vtrain.tensor.Shape;
import dev.vtrain.tensor.SlabPlan;
import dev.vtrain.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * Layers applied in order, as PyTorch's {@code nn.Sequential}, and itself a layer, so blocks nest;
 * children are named by position ({@code 0.weight}, {@code 3.1.bias}, …) so weights line up with a
 * PyTorch {@code state_dict}. Build and run it on the thread that owns its model (see {@link
 * Model}); {@link #declare} stores per-model state, so an instance belongs to at most one model.
 *
 * <p>The container owns the fusion rules: a {@link Linear} followed by an {@link ActivationLayer}
 * runs as one GEMM with the bias and activation in its epilogue (the pre-activation is never
 * stored), and in backward the activation computes the Linear's bias gradient in the same pass; a
 * {@link BatchNorm} followed by a {@link ReLU} applies the ReLU in its own passes (forward and
 * backward), so the normalised values are never stored either. Each child's output is kept for
 * backward; gradients between children alternate between two buffers. Backward stops below the
 * lowest child with a trainable parameter when no input gradient is asked for.
 */
public class Sequential implements Layer {
    private final List<Layer> layers;
    private final List<String> names;
    private Shape[] shapes;
    private SlabPlan.Slot[] outputs;
    private SlabPlan.Slot[] grads;
    private Parameter[][] childParams;
    private boolean[] fusedWithNext;

    /**
     * A sequence of at least one layer.
     *
     * @throws IllegalArgumentException if there are no layers
     */
    public Sequential(Layer... layers) {
        this(List.of(layers));
    }

    /** A sequence of at least one layer. */
    public Sequential(List<Layer> layers) {
        this(layers, null);
    }

    /**
     * A sequence whose children are named {@code names} instead of by position (a preset's
     * attribute names, as in a PyTorch module with named submodules).
     */
    Sequential(List<Layer> layers, List<String> names) {
        if (layers.isEmpty()) {
            throw new IllegalArgumentException(
                    getClass().getSimpleName() + " needs at least one layer");
        }
        if (names != null && names.size() != layers.size()) {
            throw new IllegalArgumentException(names + " do not name " + layers.size() + " layers");
        }
        this.layers = List.copyOf(layers);
        this.names = names == null ? null : List.copyOf(names);
    }

    /** The layers, in order. */
    public List<Layer> layers() {
        return layers;
    }

    /** Output features for {@code inFeatures} inputs, checking every layer's input. */
    public int outFeatures(int inFeatures) {
        return outputShape(Shape.of(inFeatures)).size();
    }

    @Override
    public Shape outputShape(Shape input) {
        Shape s = input;
        for (int i = 0; i < layers.size(); i++) {
            try {
                s = layers.get(i).outputShape(s);
            } catch (IllegalArgumentException e) {
                throw located(i, e);
            }
        }
        return s;
    }

    private static IllegalArgumentException located(int i, IllegalArgumentException e) {
        String m = e.getMessage() == null ? e.toString() : e.getMessage();
        String out =
                m.startsWith("layer ")
                        ? "layer " + i + "." + m.substring(6)
                        : "layer " + i + ": " + m;
        IllegalArgumentException wrapped = new IllegalArgumentException(out, e);
        return wrapped;
    }

    @Override
    public void declare(Plan plan, Shape input) {
        int n = layers.size();
        shapes = new Shape[n + 1];
        shapes[0] = input;
        for (int i = 0; i < n; i++) {
            shapes[i + 1] = layers.get(i).outputShape(shapes[i]);
        }
        fusedWithNext = new boolean[n];
        for (int i = 0; i + 1 < n; i++) {
            Layer next = layers.get(i + 1);
            fusedWithNext[i] =
                    (layers.get(i) instanceof Linear && next instanceof ActivationLayer)
                            || (layers.get(i) instanceof BatchNorm && next instanceof ReLU);
            if (fusedWithNext[i] && layers.get(i) instanceof BatchNorm bn) {
                bn.fuseRelu();
            }
        }
        childParams = new Parameter[n][];
        for (int i = 0; i < n; i++) {
            Plan child = plan.child(names == null ? Integer.toString(i) : names.get(i));
            child.enter(layers.get(i));
            int mark = plan.mark();
            layers.get(i).declare(child, shapes[i]);
            childParams[i] = plan.parametersUsedSince(mark);
        }
        outputs = new SlabPlan.Slot[n];
        grads = new SlabPlan.Slot[n];
        int largest = 1;
        for (int i = 0; i + 1 < n; i++) {
            largest = Math.max(largest, shapes[i + 1].size());
        }
        SlabPlan.Slot[] pingPong = {
            plan.activation("grad_a", Shape.of(largest)),
            plan.activation("grad_b", Shape.of(largest))
        };
        for (int i = 0; i + 1 < n; i++) {
            if (!fusedWithNext[i]) {
                outputs[i] = plan.activation(i + ".output", shapes[i + 1]);
            }
            grads[i] = plan.alias(pingPong[i % 2], i + ".grad", shapes[i + 1]);
        }
    }

    private Tensor output(Step step, int i, Tensor y) {
        if (i == layers.size() - 1) {
            return y;
        }
        return outputs[i] == null ? null : step.get(outputs[i]);
    }

    @Override
    public void forward(Step step, Tensor x, Tensor y) {
        checkBuilt();
        Tensor cur = x;
        int n = layers.size();
        for (int i = 0; i < n; i++) {
            if (fusedWithNext[i]) {
                Tensor out = output(step, i + 1, y);
                if (layers.get(i) instanceof Linear lin) {
                    lin.forward(step, cur, out, ((ActivationLayer) layers.get(i + 1)).function());
                } else {
                    // Batch norm applies the ReLU itself.
                    layers.get(i).forward(step, cur, out);
                }
                cur = out;
                i++;
                continue;
            }
            Tensor out = output(step, i, y);
            layers.get(i).forward(step, cur, out);
            cur = out;
        }
    }

    private boolean trainable(int i) {
        for (Parameter p : childParams[i]) {
            if (!p.frozen()) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void backward(Step step, Tensor x, Tensor y, Tensor dy, Tensor dx) {
        checkBuilt();
        int n = layers.size();
        int lowest = n;
        for (int i = 0; i < n; i++) {
            if (trainable(i)) {
                lowest = i;
                break;
            }
        }
        Tensor g = dy;
        for (int i = n - 1; i >= 0; i--) {
            boolean needDx = dx != null || lowest < i;
            if (!needDx && !trainable(i)) {
                return;
            }
            Tensor gin = needDx ? (i == 0 ? dx : step.get(grads[i - 1])) : null;
            Layer layer = layers.get(i);
            Tensor out = output(step, i, y);
            if (i > 0 && fusedWithNext[i - 1] && layers.get(i - 1) instanceof BatchNorm bn) {
                // ReLU after batch norm: the batch norm's backward applies the ReLU's mask.
                Tensor bnIn = i - 1 == 0 ? x : output(step, i - 2, y);
                Tensor bnDx =
                        dx != null || lowest < i - 1
                                ? (i - 1 == 0 ? dx : step.get(grads[i - 2]))
                                : null;
                if (bnDx != null || trainable(i - 1)) {
                    bn.backward(step, bnIn, out, g, bnDx);
                }
                g = bnDx;
                i--;
                continue;
            }
            if (i > 0 && fusedWithNext[i - 1]) {
                // Activation above a fused Linear: its input (the pre-activation) was never
                // stored; it computes the Linear's bias gradient in the same pass when it can.
                Linear below = (Linear) layers.get(i - 1);
                ParameterUse b = below.trainableBias();
                Activation f = ((ActivationLayer) layer).function();
                Tensor belowIn = i - 1 == 0 ? x : output(step, i - 2, y);
                Tensor belowDx =
                        dx != null || lowest < i - 1
                                ? (i - 1 == 0 ? dx : step.get(grads[i - 2]))
                                : null;
                if (b != null) {
                    int c = below.outFeatures();
                    step.backend()
                            .activationBackwardWithBiasGrad(
                                    f,
                                    out.matrix(c),
                                    g.matrix(c),
                                    gin.matrix(c),
                                    b.grad(),
                                    b.beta(step));
                } else {
                    step.backend().activationBackward(f, out, g, gin);
                }
                if (!trainable(i - 1) && belowDx == null) {
                    return;
                }
                below.backward(step, belowIn, gin, belowDx, b != null);
                g = belowDx;
                i--;
                continue;
            }
            Tensor in = i == 0 ? x : output(step, i - 1, y);
            layer.backward(step, in, out, g, gin);
            g = gin;
        }
    }

    private void checkBuilt() {
        if (shapes == null) {
            throw new IllegalStateException(this + " is not part of a built Model");
        }
    }

    /** The children's specs, in order. */
    protected List<LayerSpec> childSpecs() {
        List<LayerSpec> c = new ArrayList<>();
        for (Layer l : layers) {
            c.add(l.spec());
        }
        return c;
    }

    @Override
    public LayerSpec spec() {
        return new LayerSpec("sequential", java.util.Map.of(), childSpecs());
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(getClass().getSimpleName()).append("(\n");
        for (int i = 0; i < layers.size(); i++) {
            String child = layers.get(i).toString().replace("\n", "\n  ");
            sb.append("  (").append(i).append("): ").append(child).append('\n');
        }
        return sb.append(')').toString();
    }
}
