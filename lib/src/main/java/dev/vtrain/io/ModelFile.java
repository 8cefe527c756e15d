package dev.vtrain.io;

import dev.vtrain.backend.Activation;
import dev.vtrain.backend.Backend;
import dev.vtrain.data.FeatureScaling;
import dev.vtrain.nn.ActivationLayer;
import dev.vtrain.nn.Dropout;
import dev.vtrain.nn.Layer;
import dev.vtrain.nn.Linear;
import dev.vtrain.nn.Model;
import dev.vtrain.nn.Parameter;
import dev.vtrain.nn.Sequential;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A trained model in one safetensors file: weights named as PyTorch's {@code state_dict} of the
 * equivalent {@code nn.Sequential} ({@code 0.weight} of shape {@code (out, in)}, {@code 0.bias},
 * …), and in {@code __metadata__} the architecture, input features, feature scaling, class names
 * and provenance, so evaluation and prediction need nothing else.
 */
public final class ModelFile {
    /** Value of the {@code vtrain.format} metadata key. */
    public static final String FORMAT = "vtrain-sequential/1";

    private ModelFile() {}

    /**
     * A model read from a file, not yet placed on a backend.
     *
     * @param network the architecture
     * @param inFeatures input features
     * @param weights parameter values by name
     * @param scaling feature scaling to apply to raw inputs
     * @param classNames class names (empty for regression)
     * @param metadata all metadata, provenance included
     */
    public record Saved(
            Sequential network,
            int inFeatures,
            Map<String, float[]> weights,
            FeatureScaling scaling,
            List<String> classNames,
            Map<String, String> metadata) {

        /**
         * Builds the model on {@code backend} for batches up to {@code maxBatch} rows and loads the
         * weights.
         */
        public Model build(Backend backend, int maxBatch) {
            Model model = Model.build(network, inFeatures, maxBatch, backend, 0);
            try {
                for (Parameter p : model.parameters()) {
                    float[] w = weights.get(p.name());
                    if (w == null) {
                        throw new SafetensorsException(
                                "model file lacks tensor '"
                                        + p.name()
                                        + "' of shape "
                                        + dev.vtrain.tensor.Tensor.format(p.shape()));
                    }
                    model.write(p.name(), w);
                }
            } catch (RuntimeException e) {
                model.close();
                throw e;
            }
            return model;
        }
    }

    /**
     * Saves {@code model}'s weights with its architecture, {@code scaling}, {@code classNames} and
     * provenance ({@code extra} entries are added to the metadata, e.g. seed and backend).
     */
    public static void save(
            Path file,
            Model model,
            FeatureScaling scaling,
            List<String> classNames,
            Map<String, String> extra)
            throws IOException {
        List<Safetensors.Tensor> tensors = new ArrayList<>();
        for (Parameter p : model.parameters()) {
            tensors.add(Safetensors.Tensor.f32(p.name(), p.shape(), model.read(p.name())));
        }
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("vtrain.format", FORMAT);
        meta.put("vtrain.architecture", Json.writeCompact(describe(model.network())));
        meta.put("vtrain.in_features", Integer.toString(model.inFeatures()));
        meta.put("vtrain.num_classes", Integer.toString(classNames.size()));
        meta.put("vtrain.classes", Json.writeCompact(classNames));
        Map<String, Object> sc = new LinkedHashMap<>();
        sc.put("kind", scaling.kind().name());
        sc.put("shift", boxed(scaling.shift()));
        sc.put("scale", boxed(scaling.scale()));
        meta.put("vtrain.scaling", Json.writeCompact(sc));
        meta.put("vtrain.created", Instant.now().toString());
        meta.put("vtrain.jdk", Runtime.version().toString());
        meta.put(
                "vtrain.os",
                System.getProperty("os.name") + " " + System.getProperty("os.version"));
        meta.put("vtrain.arch", System.getProperty("os.arch"));
        meta.put("vtrain.backend", model.backend().description());
        meta.putAll(extra);
        Safetensors.write(file, tensors, meta);
    }

    private static List<Double> boxed(double[] a) {
        List<Double> l = new ArrayList<>(a.length);
        for (double d : a) {
            l.add(d);
        }
        return l;
    }

    private static List<Object> describe(Sequential network) {
        List<Object> layers = new ArrayList<>();
        for (Layer l : network.layers()) {
            Map<String, Object> m = new LinkedHashMap<>();
            switch (l) {
                case Linear lin -> {
                    m.put("type", "linear");
                    m.put("in", lin.inFeatures());
                    m.put("out", lin.outFeatures());
                    m.put("bias", lin.hasBias());
                }
                case ActivationLayer a ->
                        m.put("type", a.function().name().toLowerCase(Locale.ROOT));
                case Dropout d -> {
                    m.put("type", "dropout");
                    m.put("p", (double) d.p());
                }
                default -> throw new IllegalArgumentException("Cannot save layer " + l);
            }
            layers.add(m);
        }
        return layers;
    }

    /**
     * Reads a model file written by {@link #save}, checking every tensor's shape against the
     * architecture.
     *
     * @throws SafetensorsException if the file is not a valid vtrain model file
     */
    public static Saved load(Path file) {
        Safetensors.Contents c = Safetensors.read(file);
        Map<String, String> meta = c.metadata();
        String where = file.toString();
        if (!FORMAT.equals(meta.get("vtrain.format"))) {
            throw new SafetensorsException(
                    where
                            + ": not a vtrain model file (metadata vtrain.format is "
                            + meta.get("vtrain.format")
                            + ", expected "
                            + FORMAT
                            + ")");
        }
        try {
            int in = Integer.parseInt(require(meta, "vtrain.in_features", where));
            Sequential net =
                    network(Json.parse(require(meta, "vtrain.architecture", where)), where);
            net.outFeatures(in);
            List<String> classes = new ArrayList<>();
            for (Object o : (List<?>) Json.parse(require(meta, "vtrain.classes", where))) {
                classes.add((String) o);
            }
            Map<?, ?> sc = (Map<?, ?>) Json.parse(require(meta, "vtrain.scaling", where));
            FeatureScaling scaling =
                    FeatureScaling.of(
                            FeatureScaling.Kind.valueOf((String) sc.get("kind")),
                            doubles(sc.get("shift")),
                            doubles(sc.get("scale")));
            if (scaling.shift().length != in) {
                throw new SafetensorsException(
                        where
                                + ": scaling has "
                                + scaling.shift().length
                                + " features, model "
                                + in);
            }
            Map<String, float[]> weights = new LinkedHashMap<>();
            for (Safetensors.Tensor t : c.tensors().values()) {
                weights.put(t.name(), t.data());
            }
            checkShapes(net, c.tensors(), where);
            return new Saved(net, in, weights, scaling, classes, meta);
        } catch (ClassCastException | NullPointerException | IllegalArgumentException e) {
            if (e instanceof SafetensorsException s) {
                throw s;
            }
            throw new SafetensorsException(
                    where + ": malformed vtrain metadata (" + e.getMessage() + ")");
        }
    }

    private static String require(Map<String, String> meta, String key, String where) {
        String v = meta.get(key);
        if (v == null) {
            throw new SafetensorsException(where + ": metadata lacks " + key);
        }
        return v;
    }

    private static double[] doubles(Object list) {
        List<?> l = (List<?>) list;
        double[] d = new double[l.size()];
        for (int i = 0; i < d.length; i++) {
            d[i] = ((Number) l.get(i)).doubleValue();
        }
        return d;
    }

    private static Sequential network(Object spec, String where) {
        List<Layer> layers = new ArrayList<>();
        for (Object o : (List<?>) spec) {
            Map<?, ?> m = (Map<?, ?>) o;
            String type = (String) m.get("type");
            layers.add(
                    switch (type) {
                        case "linear" ->
                                new Linear(
                                        Math.toIntExact((Long) m.get("in")),
                                        Math.toIntExact((Long) m.get("out")),
                                        (Boolean) m.get("bias"));
                        case "dropout" -> new Dropout(((Number) m.get("p")).floatValue());
                        case "relu", "sigmoid", "tanh" ->
                                ActivationLayer.of(
                                        Activation.valueOf(type.toUpperCase(Locale.ROOT)));
                        default ->
                                throw new SafetensorsException(
                                        where + ": unknown layer type '" + type + "'");
                    });
        }
        return new Sequential(layers);
    }

    private static void checkShapes(
            Sequential net, Map<String, Safetensors.Tensor> tensors, String where) {
        int expectedCount = 0;
        for (int i = 0; i < net.layers().size(); i++) {
            if (net.layers().get(i) instanceof Linear lin) {
                expect(
                        tensors,
                        i + ".weight",
                        new int[] {lin.outFeatures(), lin.inFeatures()},
                        where);
                expectedCount++;
                if (lin.hasBias()) {
                    expect(tensors, i + ".bias", new int[] {lin.outFeatures()}, where);
                    expectedCount++;
                }
            }
        }
        if (tensors.size() != expectedCount) {
            throw new SafetensorsException(
                    where
                            + ": holds "
                            + tensors.size()
                            + " tensors, the architecture needs "
                            + expectedCount
                            + " ("
                            + tensors.keySet()
                            + ")");
        }
    }

    private static void expect(
            Map<String, Safetensors.Tensor> tensors, String name, int[] shape, String where) {
        Safetensors.Tensor t = tensors.get(name);
        if (t == null) {
            throw new SafetensorsException(
                    where
                            + ": missing tensor '"
                            + name
                            + "' of shape "
                            + dev.vtrain.tensor.Tensor.format(shape));
        }
        if (!Arrays.equals(t.shape(), shape)) {
            throw new SafetensorsException(
                    where
                            + ": tensor '"
                            + name
                            + "' has shape "
                            + dev.vtrain.tensor.Tensor.format(t.shape())
                            + ", expected "
                            + dev.vtrain.tensor.Tensor.format(shape));
        }
    }
}
