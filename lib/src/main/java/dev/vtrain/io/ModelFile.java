package dev.vtrain.io;

import dev.vtrain.backend.Backend;
import dev.vtrain.backend.scalar.ScalarBackend;
import dev.vtrain.data.FeatureScaling;
import dev.vtrain.nn.Buffer;
import dev.vtrain.nn.Layer;
import dev.vtrain.nn.Model;
import dev.vtrain.nn.Parameter;
import dev.vtrain.nn.spec.Layers;
import dev.vtrain.tensor.Shape;
import dev.vtrain.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A trained model in one safetensors file: parameters and buffers under the names and in the
 * layouts of PyTorch's {@code state_dict} of the equivalent module tree ({@code 0.weight} of shape
 * {@code (out, in)}, a convolution's {@code (out, in/groups, kh, kw)}, batch norm's {@code
 * running_mean}, {@code running_var} and int64 {@code num_batches_tracked}), and in {@code
 * __metadata__} the layer tree ({@code vtrain.spec}, JSON as {@link dev.vtrain.nn.LayerSpec}), the
 * input sample shape, feature scaling, class names and provenance, so evaluation and prediction
 * need nothing else. Stateless; any thread may call it, but a call that reads or builds a {@link
 * Model} must come from the thread that owns that model.
 *
 * <p>Format {@value #FORMAT}; files of the earlier {@value #FORMAT_V1} (an MLP as a list of layers)
 * still load.
 */
public final class ModelFile {
    /** Value of the {@code vtrain.format} metadata key. */
    public static final String FORMAT = "vtrain-model/2";

    /** The format of files written before layer trees (still read). */
    public static final String FORMAT_V1 = "vtrain-sequential/1";

    /** Metadata key of the layer tree. */
    public static final String SPEC_KEY = "vtrain.spec";

    /** Metadata key of the input sample shape (a JSON list). */
    public static final String INPUT_SHAPE_KEY = "vtrain.input_shape";

    private ModelFile() {}

    /**
     * A model read from a file, not yet placed on a backend.
     *
     * @param network the layer tree
     * @param inputShape the input sample shape
     * @param weights parameter and buffer values by name, in PyTorch's layouts
     * @param scaling feature scaling to apply to raw inputs
     * @param classNames class names (empty for regression)
     * @param metadata all metadata, provenance included
     */
    public record Saved(
            Layer network,
            Shape inputShape,
            Map<String, float[]> weights,
            FeatureScaling scaling,
            List<String> classNames,
            Map<String, String> metadata) {

        /** Input features per sample. */
        public int inFeatures() {
            return inputShape.size();
        }

        /**
         * Builds the model on {@code backend} for batches up to {@code maxBatch} rows and loads the
         * weights. The layer tree is rebuilt from the metadata, so this may be called more than
         * once.
         */
        public Model build(Backend backend, int maxBatch) {
            Layer fresh = Layers.fromJson(Json.parse(metadata.get(SPEC_KEY)), inputShape);
            Model model = Model.build(fresh, inputShape, maxBatch, backend, 0);
            try {
                for (Parameter p : model.parameters()) {
                    model.write(p.name(), weights.get(p.name()));
                }
                for (Buffer b : model.buffers()) {
                    model.write(b.name(), weights.get(b.name()));
                }
            } catch (RuntimeException e) {
                model.close();
                throw e;
            }
            return model;
        }
    }

    /** The model's layer tree as compact JSON. */
    public static String specJson(Model model) {
        return Json.writeCompact(model.network().spec().toJson());
    }

    /** A sample shape as a compact JSON list. */
    public static String shapeJson(Shape s) {
        List<Long> l = new ArrayList<>();
        for (int d : s.dims()) {
            l.add((long) d);
        }
        return Json.writeCompact(l);
    }

    /** Parses {@link #shapeJson}. */
    static Shape parseShape(String json) {
        List<?> l = (List<?>) Json.parse(json);
        int[] d = new int[l.size()];
        for (int i = 0; i < d.length; i++) {
            d[i] = Math.toIntExact(((Number) l.get(i)).longValue());
        }
        return Shape.of(d);
    }

    /** The model's parameters and buffers as file entries (PyTorch names, layouts and dtypes). */
    public static List<Safetensors.Entry> stateDict(Model model) {
        List<Safetensors.Entry> tensors = new ArrayList<>();
        for (Parameter p : model.parameters()) {
            tensors.add(Safetensors.Entry.f32(p.name(), p.shape(), model.read(p.name())));
        }
        for (Buffer b : model.buffers()) {
            tensors.add(
                    b.integer()
                            ? Safetensors.Entry.i64(b.name(), b.shape(), model.read(b.name()))
                            : Safetensors.Entry.f32(b.name(), b.shape(), model.read(b.name())));
        }
        return tensors;
    }

    /**
     * Saves {@code model}'s weights with its layer tree, {@code scaling}, {@code classNames} and
     * provenance ({@code extra} entries are added to the metadata, e.g. seed and backend).
     */
    public static void save(
            Path file,
            Model model,
            FeatureScaling scaling,
            List<String> classNames,
            Map<String, String> extra)
            throws IOException {
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("vtrain.format", FORMAT);
        meta.put(SPEC_KEY, specJson(model));
        meta.put(INPUT_SHAPE_KEY, shapeJson(model.inputShape()));
        meta.put("vtrain.in_features", Integer.toString(model.inFeatures()));
        meta.put("vtrain.num_classes", Integer.toString(classNames.size()));
        meta.put("vtrain.classes", Json.writeCompact(classNames));
        Map<String, Object> sc = new LinkedHashMap<>();
        sc.put("kind", scaling.kind().name());
        sc.put("shift", Json.list(scaling.shift()));
        sc.put("scale", Json.list(scaling.scale()));
        meta.put("vtrain.scaling", Json.writeCompact(sc));
        meta.put("vtrain.created", Instant.now().toString());
        meta.put("vtrain.jdk", Runtime.version().toString());
        meta.put(
                "vtrain.os",
                System.getProperty("os.name") + " " + System.getProperty("os.version"));
        meta.put("vtrain.arch", System.getProperty("os.arch"));
        meta.put("vtrain.backend", model.backend().description());
        meta.putAll(extra);
        Safetensors.write(file, stateDict(model), meta);
    }

    /**
     * Reads a model file written by {@link #save} (or a {@value #FORMAT_V1} file), checking every
     * tensor's name and shape against the layer tree.
     *
     * @throws SafetensorsException if the file is not a valid vtrain model file
     */
    public static Saved load(Path file) {
        return load(Safetensors.read(file), file.toString());
    }

    /**
     * Reads a model file's bytes ({@code source} names them in errors), as {@link #load(Path)}.
     *
     * @throws SafetensorsException if the bytes are not a valid vtrain model file
     */
    public static Saved read(byte[] bytes, String source) {
        return load(Safetensors.read(bytes, source), source);
    }

    /**
     * A plain state_dict (PyTorch's {@code save_file(model.state_dict())}, no vtrain metadata) with
     * its architecture given by the caller: every tensor must match {@code network}'s parameters
     * and buffers by name and shape. The features are used as they come (no scaling).
     *
     * @param classNames class names, index = output (empty for regression)
     * @throws SafetensorsException if the file is invalid or does not match {@code network}
     */
    public static Saved fromStateDict(
            Path file, Layer network, Shape input, List<String> classNames) {
        Safetensors.Contents c = Safetensors.read(file);
        String where = file.toString();
        checkShapes(network, input, c.tensors(), where);
        checkFinite(c.tensors(), where);
        Map<String, float[]> weights = new LinkedHashMap<>();
        for (Safetensors.Entry t : c.tensors().values()) {
            weights.put(t.name(), t.data());
        }
        Map<String, String> meta = new LinkedHashMap<>(c.metadata());
        meta.put(SPEC_KEY, Json.writeCompact(network.spec().toJson()));
        meta.put(INPUT_SHAPE_KEY, shapeJson(input));
        return new Saved(
                network,
                input,
                weights,
                FeatureScaling.none(input.size()),
                List.copyOf(classNames),
                Map.copyOf(meta));
    }

    private static Saved load(Safetensors.Contents c, String where) {
        Map<String, String> meta = new LinkedHashMap<>(c.metadata());
        String format = meta.get("vtrain.format");
        if (!FORMAT.equals(format) && !FORMAT_V1.equals(format)) {
            throw new SafetensorsException(
                    where
                            + ": not a vtrain model file (metadata vtrain.format is "
                            + format
                            + ", expected "
                            + FORMAT
                            + " or "
                            + FORMAT_V1
                            + (format == null
                                    ? "; a plain state_dict loads with its architecture given"
                                    : "")
                            + ")");
        }
        try {
            Shape input;
            if (FORMAT_V1.equals(format)) {
                int in = Integer.parseInt(require(meta, "vtrain.in_features", where));
                input = Shape.of(in);
                meta.put(
                        SPEC_KEY,
                        Json.writeCompact(
                                V1Architecture.toTree(
                                        Json.parse(require(meta, "vtrain.architecture", where)),
                                        where)));
                meta.put(INPUT_SHAPE_KEY, shapeJson(input));
            } else {
                input = parseShape(require(meta, INPUT_SHAPE_KEY, where));
            }
            Layer net = Layers.fromJson(Json.parse(require(meta, SPEC_KEY, where)), input);
            List<String> classes = new ArrayList<>();
            for (Object o : (List<?>) Json.parse(require(meta, "vtrain.classes", where))) {
                classes.add((String) o);
            }
            Map<?, ?> sc = (Map<?, ?>) Json.parse(require(meta, "vtrain.scaling", where));
            FeatureScaling scaling =
                    FeatureScaling.of(
                            FeatureScaling.Kind.valueOf((String) sc.get("kind")),
                            Json.doubles(sc.get("shift")),
                            Json.doubles(sc.get("scale")));
            if (scaling.shift().length != input.size()) {
                throw new SafetensorsException(
                        where
                                + ": scaling has "
                                + scaling.shift().length
                                + " features, model "
                                + input.size());
            }
            Map<String, float[]> weights = new LinkedHashMap<>();
            for (Safetensors.Entry t : c.tensors().values()) {
                weights.put(t.name(), t.data());
            }
            checkShapes(net, input, c.tensors(), where);
            checkFinite(c.tensors(), where);
            return new Saved(net, input, weights, scaling, classes, Map.copyOf(meta));
        } catch (ClassCastException | NullPointerException | IllegalArgumentException e) {
            if (e instanceof SafetensorsException s) {
                throw s;
            }
            throw new SafetensorsException(
                    where + ": malformed vtrain metadata (" + e.getMessage() + ")");
        }
    }

    /**
     * Refuses NaN or infinite weights: such a model predicts NaN for every input, so loading it
     * silently would only move the error to the output.
     */
    static void checkFinite(Map<String, Safetensors.Entry> tensors, String where) {
        for (Safetensors.Entry t : tensors.values()) {
            float[] d = t.data();
            for (int i = 0; i < d.length; i++) {
                if (!Float.isFinite(d[i])) {
                    throw new SafetensorsException(
                            where
                                    + ": tensor '"
                                    + t.name()
                                    + "' holds "
                                    + d[i]
                                    + " at index "
                                    + i
                                    + " (expected finite weights; the model was saved from a diverged run?)");
                }
            }
        }
    }

    private static String require(Map<String, String> meta, String key, String where) {
        String v = meta.get(key);
        if (v == null) {
            throw new SafetensorsException(where + ": metadata lacks " + key);
        }
        return v;
    }

    /** Checks names and shapes by planning the tree for a batch of one on the scalar backend. */
    private static void checkShapes(
            Layer net, Shape input, Map<String, Safetensors.Entry> tensors, String where) {
        try (ScalarBackend probe = new ScalarBackend();
                Model m = Model.build(net, input, 1, probe, 0)) {
            int expected = 0;
            for (Parameter p : m.parameters()) {
                expect(tensors, p.name(), p.shape(), where);
                expected++;
            }
            for (Buffer b : m.buffers()) {
                expect(tensors, b.name(), b.shape(), where);
                expected++;
            }
            if (tensors.size() != expected) {
                throw new SafetensorsException(
                        where
                                + ": holds "
                                + tensors.size()
                                + " tensors, the architecture needs "
                                + expected
                                + " ("
                                + tensors.keySet()
                                + ")");
            }
        }
    }

    private static void expect(
            Map<String, Safetensors.Entry> tensors, String name, int[] shape, String where) {
        Safetensors.Entry t = tensors.get(name);
        if (t == null) {
            throw new SafetensorsException(
                    where + ": missing tensor '" + name + "' of shape " + Tensor.format(shape));
        }
        if (!Arrays.equals(t.shape(), shape)) {
            throw new SafetensorsException(
                    where
                            + ": tensor '"
                            + name
                            + "' has shape "
                            + Tensor.format(t.shape())
                            + ", expected "
                            + Tensor.format(shape));
        }
    }
}
