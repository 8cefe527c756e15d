package dev.vtrain.nn.spec;

import dev.vtrain.nn.Dropout;
import dev.vtrain.nn.Layer;
import dev.vtrain.nn.LayerSpec;
import dev.vtrain.nn.Linear;
import dev.vtrain.nn.ReLU;
import dev.vtrain.nn.Residual;
import dev.vtrain.nn.Sequential;
import dev.vtrain.nn.Sigmoid;
import dev.vtrain.nn.Tanh;
import dev.vtrain.tensor.Shape;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The one factory from layer descriptions to layers, for both the CLI's {@code --model} strings
 * ({@link SpecParser}) and the JSON tree in model files ({@link LayerSpec#toJson()}). Input sizes
 * (a Linear's {@code in_features}, a convolution's {@code in_channels}, batch norm's {@code
 * num_features}) are inferred from the input shape as layers are chained; when given they must
 * match. Positional arguments follow PyTorch's order with the inferred first argument left out:
 * {@code linear(128)}, {@code conv2d(32, 3, padding=1)}. Stateless; thread-safe.
 */
public final class Layers {
    private Layers() {}

    /**
     * Builds a {@code --model} string for samples of {@code input} as one {@link Sequential}.
     *
     * @throws SpecException naming the position, what was expected and what was found, or the layer
     *     and both shapes on a shape mismatch
     */
    public static Sequential fromSpec(String spec, Shape input) {
        List<LayerCall> calls = SpecParser.parse(spec);
        return new Sequential(chain(calls, input, new Shape[1], 0));
    }

    /**
     * Builds a {@code --model} string for samples of {@code input} and a task with {@code outputs}
     * outputs (classes, or a vocabulary): a single preset such as {@code gpt(…)} is the root
     * itself, so its parameters keep their own names ({@code transformer.wte.weight}); anything
     * else is a {@link Sequential} as {@link #fromSpec(String, Shape)} builds. A preset without
     * {@code vocab} takes {@code outputs}.
     *
     * @throws SpecException as {@link #fromSpec(String, Shape)}
     */
    public static Layer fromSpec(String spec, Shape input, int outputs) {
        List<LayerCall> calls = SpecParser.parse(spec);
        if (calls.size() == 1 && PRESETS.contains(calls.get(0).name().toLowerCase(Locale.ROOT))) {
            return build(calls.get(0), input, new Shape[1], outputs);
        }
        return new Sequential(chain(calls, input, new Shape[1], outputs));
    }

    /** Layers that name their own parameters and are used as a model's root. */
    static final List<String> PRESETS = List.of("gpt", "rnn_lm", "lstm_lm", "gru_lm");

    /**
     * The {@code block} (context length) a {@code --model} string's preset declares, or 0 when it
     * declares none.
     *
     * @throws SpecException if the string does not parse
     */
    public static int declaredBlock(String spec) {
        List<LayerCall> calls = SpecParser.parse(spec);
        if (calls.size() == 1 && calls.get(0).named().get("block") instanceof Long l) {
            if (l < 1 || l > Integer.MAX_VALUE) {
                throw new SpecException("block=" + l + ": expected a positive context length");
            }
            return (int) (long) l;
        }
        return 0;
    }

    /**
     * Builds the JSON tree of a model file ({@code {"type": …, args…, "layers": […]}}) for samples
     * of {@code input}.
     *
     * @throws SpecException if the tree is malformed or names an unknown layer
     */
    public static Layer fromJson(Object json, Shape input) {
        try {
            return build(toCall(json), input, new Shape[1], 0);
        } catch (ClassCastException | NullPointerException | ArithmeticException e) {
            // A tree not written by vtrain (hand-edited or corrupted): a value of the wrong kind.
            throw new SpecException("malformed layer tree (" + e.getMessage() + ")");
        }
    }

    /** A model file's JSON tree as a call (keyword arguments, children positional). */
    static LayerCall toCall(Object json) {
        if (!(json instanceof Map<?, ?> m) || !(m.get("type") instanceof String type)) {
            throw new SpecException("expected a layer object with a \"type\" but found " + json);
        }
        Map<String, Object> named = new LinkedHashMap<>();
        List<Object> children = new ArrayList<>();
        for (Map.Entry<?, ?> e : m.entrySet()) {
            String k = (String) e.getKey();
            if (k.equals("type")) {
                continue;
            }
            if (k.equals("layers") && e.getValue() instanceof List<?> l) {
                for (Object o : l) {
                    children.add(toCall(o));
                }
                continue;
            }
            named.put(k, jsonValue(e.getValue()));
        }
        return new LayerCall(type, children, named, 0);
    }

    private static Object jsonValue(Object v) {
        if (v instanceof List<?> l) {
            List<Long> out = new ArrayList<>();
            for (Object o : l) {
                if (!(o instanceof Number n)) {
                    throw new SpecException(
                            "expected a list of integers in a layer's arguments but found "
                                    + dev.vtrain.io.Printable.of(String.valueOf(l)));
                }
                out.add(n.longValue());
            }
            return out;
        }
        if (v instanceof Map<?, ?>) {
            throw new SpecException(
                    "expected a number, string or list argument but found "
                            + dev.vtrain.io.Printable.of(String.valueOf(v)));
        }
        return v;
    }

    private static List<Layer> chain(List<?> items, Shape input, Shape[] out, int outputs) {
        List<Layer> layers = new ArrayList<>();
        Shape s = input;
        for (Object o : items) {
            LayerCall c =
                    o instanceof String name
                            ? new LayerCall(name, List.of(), Map.of(), 0)
                            : (LayerCall) o;
            Layer l = build(c, s, out, outputs);
            layers.add(l);
            s = out[0];
        }
        out[0] = s;
        return layers;
    }

    /** Builds one call for input {@code in}; stores its output shape in {@code out[0]}. */
    static Layer build(LayerCall c, Shape in, Shape[] out, int outputs) {
        String type = c.name().toLowerCase(Locale.ROOT);
        Layer layer =
                switch (type) {
                    case "sequential", "residual" -> {
                        if (c.positional().isEmpty()) {
                            throw new SpecException(
                                    c.position() + 1,
                                    type + ": expected at least one layer inside but found none");
                        }
                        if (!c.named().isEmpty()) {
                            throw new SpecException(
                                    c.position() + 1,
                                    type
                                            + ": expected only layers inside but found argument '"
                                            + c.named().keySet().iterator().next()
                                            + "'");
                        }
                        for (Object o : c.positional()) {
                            if (!(o instanceof LayerCall) && !(o instanceof String)) {
                                throw new SpecException(
                                        c.position() + 1,
                                        type
                                                + ": expected layers inside but found "
                                                + Args.show(o));
                            }
                        }
                        List<Layer> children = chain(c.positional(), in, out, outputs);
                        yield type.equals("residual")
                                ? new Residual(children)
                                : new Sequential(children);
                    }
                    default -> leaf(type, c, in, outputs);
                };
        try {
            out[0] = layer.outputShape(in);
        } catch (IllegalArgumentException e) {
            if (e instanceof SpecException s) {
                throw s;
            }
            throw new SpecException(c.position() + 1, e.getMessage());
        }
        return layer;
    }

    private static Layer leaf(String type, LayerCall c, Shape in, int outputs) {
        Args a;
        Layer l;
        switch (type) {
            case "linear" -> {
                a = new Args(c, List.of("out_features", "bias", "in_features"));
                int inF = inferred(a, "in_features", in.last(), in);
                l = new Linear(inF, a.integer("out_features", null), a.bool("bias", true));
            }
            case "relu" -> {
                a = new Args(c, List.of());
                l = new ReLU();
            }
            case "sigmoid" -> {
                a = new Args(c, List.of());
                l = new Sigmoid();
            }
            case "tanh" -> {
                a = new Args(c, List.of());
                l = new Tanh();
            }
            case "dropout" -> {
                a = new Args(c, List.of("p"));
                l = new Dropout((float) a.number("p", 0.5));
            }
            default -> {
                LayerFamilies.Built b = LayerFamilies.build(type, c, in);
                if (b == null) {
                    b = SequenceFamilies.build(type, c, in, outputs);
                }
                if (b == null) {
                    throw new SpecException(
                            c.position() + 1,
                            "expected a layer name ("
                                    + String.join(", ", names())
                                    + ") but found '"
                                    + c.name()
                                    + "'");
                }
                a = b.args();
                l = b.layer();
            }
        }
        a.done();
        return l;
    }

    /** Layer names this factory knows. */
    public static List<String> names() {
        List<String> n =
                new ArrayList<>(
                        List.of(
                                "linear",
                                "relu",
                                "sigmoid",
                                "tanh",
                                "dropout",
                                "sequential",
                                "residual"));
        n.addAll(LayerFamilies.NAMES);
        n.addAll(SequenceFamilies.NAMES);
        return n;
    }

    /** Reads an inferred size: the given value must equal the inferred one. */
    static int inferred(Args a, String name, int value, Shape in) {
        if (a.has(name)) {
            int given = a.integer(name, null);
            if (given != value) {
                throw a.error(name + "=" + given + " but the input " + in + " gives " + value);
            }
        }
        return value;
    }
}
