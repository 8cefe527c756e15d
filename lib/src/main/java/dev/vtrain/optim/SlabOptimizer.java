package dev.vtrain.optim;

import dev.vtrain.backend.Backend;
import dev.vtrain.nn.Model;
import dev.vtrain.nn.Parameter;
import dev.vtrain.tensor.Storage;
import dev.vtrain.tensor.Tensor;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The machinery shared by every optimizer: state slabs with the parameter slab's layout (allocated
 * eagerly, so out-of-memory shows at construction and a step allocates nothing), and the parameter
 * groups turned into contiguous slab ranges. Groups with equal settings are merged and adjacent
 * parameters fused, so with uniform settings a step is one pass over the whole slab.
 */
abstract class SlabOptimizer implements Optimizer {
    private static final int ALIGN = 16;

    /** A contiguous range of the slabs and the settings it is updated with. */
    protected static final class Range {
        final Tensor param;
        final Tensor grad;
        final Tensor[] state;
        final float lrScale;
        final float weightDecay;

        Range(Tensor param, Tensor grad, Tensor[] state, float lrScale, float weightDecay) {
            this.param = param;
            this.grad = grad;
            this.state = state;
            this.lrScale = lrScale;
            this.weightDecay = weightDecay;
        }
    }

    protected final Model model;
    protected final Backend backend;

    /** The backend's optimizer-update family. */
    protected final dev.vtrain.backend.UpdateOps updates;

    /** The per-call scalars, refilled for every range (one per optimizer: nothing allocated). */
    protected final dev.vtrain.backend.UpdateStep stepArgs = new dev.vtrain.backend.UpdateStep();

    private final float lr;
    private final List<ParamGroup> groups;
    private final String[] stateNames;
    private final Storage[] stateStorage;
    private final Tensor[] stateSlabs;
    private final Range[] ranges;
    private final long stateOrigin;
    private long steps;

    SlabOptimizer(
            Model model,
            float lr,
            List<ParamGroup> groups,
            String[] stateNames,
            float[] stateInit) {
        this.model = model;
        this.backend = model.backend();
        this.updates = backend.updates();
        if (updates == null) {
            throw new IllegalArgumentException(
                    "backend '"
                            + backend.name()
                            + "' does not implement the updates (optimizer) op family");
        }
        this.lr = Hyper.nonNegative("learning rate", lr);
        this.groups = List.copyOf(groups);
        this.stateNames = stateNames.clone();
        // State covers only the span of the slab that holds trainable parameters, so frozen
        // layers (usually the first ones) cost no optimizer memory.
        List<Span> spans = spans();
        long lo = spans.isEmpty() ? 0 : spans.get(0).offset();
        long hi = lo;
        for (Span sp : spans) {
            hi = Math.max(hi, sp.offset() + sp.length());
        }
        this.stateOrigin = lo;
        long n = hi - lo;
        stateStorage = new Storage[stateNames.length];
        stateSlabs = new Tensor[stateNames.length];
        try {
            for (int i = 0; i < stateNames.length; i++) {
                stateStorage[i] = backend.allocate(n);
                stateSlabs[i] = Tensor.of(stateStorage[i], 0, Math.toIntExact(n));
                if (stateInit[i] != 0f) {
                    backend.fill(stateSlabs[i], stateInit[i]);
                }
            }
        } catch (RuntimeException | OutOfMemoryError e) {
            close();
            throw e;
        }
        this.ranges = ranges(spans);
    }

    private record Span(long offset, long length, float lrScale, float weightDecay) {}

    private List<Span> spans() {
        Set<String> seen = new HashSet<>();
        Map<String, Parameter> byName = new LinkedHashMap<>();
        for (Parameter p : model.parameters()) {
            byName.put(p.name(), p);
        }
        List<Span> spans = new ArrayList<>();
        for (ParamGroup g : groups) {
            for (String name : g.parameters()) {
                Parameter p = byName.get(name);
                if (p == null) {
                    throw new IllegalArgumentException(
                            "Parameter group '"
                                    + g.name()
                                    + "' names '"
                                    + name
                                    + "', which the model does not have; it has "
                                    + byName.keySet());
                }
                if (!seen.add(name)) {
                    throw new IllegalArgumentException(
                            "Parameter '" + name + "' appears in more than one group");
                }
                spans.add(new Span(p.value().offset(), p.size(), g.lrScale(), g.weightDecay()));
            }
        }
        spans.sort(Comparator.comparingLong(Span::offset));
        List<Span> merged = new ArrayList<>();
        for (Span s : spans) {
            if (!merged.isEmpty()) {
                Span last = merged.get(merged.size() - 1);
                long end = (last.offset() + last.length() + ALIGN - 1) / ALIGN * ALIGN;
                if (end == s.offset()
                        && last.lrScale() == s.lrScale()
                        && last.weightDecay() == s.weightDecay()) {
                    merged.set(
                            merged.size() - 1,
                            new Span(
                                    last.offset(),
                                    s.offset() + s.length() - last.offset(),
                                    s.lrScale(),
                                    s.weightDecay()));
                    continue;
                }
            }
            merged.add(s);
        }
        return merged;
    }

    private Range[] ranges(List<Span> merged) {
        Range[] out = new Range[merged.size()];
        for (int i = 0; i < out.length; i++) {
            Span s = merged.get(i);
            int len = Math.toIntExact(s.length());
            Tensor[] st = new Tensor[stateSlabs.length];
            for (int k = 0; k < st.length; k++) {
                st[k] = Tensor.of(stateSlabs[k].storage(), s.offset() - stateOrigin, len);
            }
            out[i] =
                    new Range(
                            Tensor.of(model.parameterSlab().storage(), s.offset(), len),
                            Tensor.of(model.gradientSlab().storage(), s.offset(), len),
                            st,
                            s.lrScale(),
                            s.weightDecay());
        }
        return out;
    }

    /**
     * Updates one range at learning rate {@code lr} (the group scale already applied), reading the
     * gradient as {@code gradScale · grad}.
     */
    protected abstract void update(Range r, float lr, long step, float gradScale);

    @Override
    public final void step(float rate, float gradScale) {
        steps++;
        for (Range r : ranges) {
            update(r, rate * r.lrScale, steps, gradScale);
        }
    }

    @Override
    public final float learningRate() {
        return lr;
    }

    @Override
    public final long steps() {
        return steps;
    }

    @Override
    public final List<ParamGroup> groups() {
        return groups;
    }

    /** Number of fused passes one step makes (contiguous ranges with one set of settings). */
    public final int passesPerStep() {
        return ranges.length;
    }

    @Override
    public final Map<String, Tensor> state() {
        Map<String, Tensor> m = new LinkedHashMap<>();
        for (int i = 0; i < stateNames.length; i++) {
            m.put(stateNames[i], stateSlabs[i]);
        }
        return m;
    }

    @Override
    public final void restore(long stepCount, Map<String, float[]> values) {
        if (stepCount < 0) {
            throw new IllegalArgumentException("Invalid step count " + stepCount);
        }
        for (int i = 0; i < stateNames.length; i++) {
            float[] v = values.get(stateNames[i]);
            if (v == null || v.length != stateSlabs[i].size()) {
                throw new IllegalArgumentException(
                        getClass().getSimpleName()
                                + " state '"
                                + stateNames[i]
                                + "' needs "
                                + stateSlabs[i].size()
                                + " values, got "
                                + (v == null ? "none" : v.length));
            }
        }
        for (int i = 0; i < stateNames.length; i++) {
            backend.upload(values.get(stateNames[i]), 0, stateSlabs[i]);
        }
        steps = stepCount;
    }

    @Override
    public final void close() {
        for (Storage s : stateStorage) {
            if (s != null) {
                s.close();
            }
        }
    }
}
