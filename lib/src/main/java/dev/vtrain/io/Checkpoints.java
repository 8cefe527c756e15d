package dev.vtrain.io;

import dev.vtrain.jfr.CheckpointEvent;
import dev.vtrain.nn.Buffer;
import dev.vtrain.nn.Model;
import dev.vtrain.nn.Parameter;
import dev.vtrain.optim.Optimizer;
import dev.vtrain.optim.schedule.ReduceLROnPlateau;
import dev.vtrain.tensor.Tensor;
import dev.vtrain.train.CheckpointSink;
import dev.vtrain.train.EpochStats;
import dev.vtrain.train.TrainingState;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Training checkpoints: one safetensors file per checkpoint holding the model's parameters ({@code
 * model/0.weight}, …), the optimizer's state slabs ({@code optimizer/exp_avg}, …), the best
 * parameters kept for early stopping ({@code best/parameters}), and in {@code __metadata__} the
 * {@link TrainingState}, optimizer step count, dropout counters, plateau state, caller-supplied
 * entries, and a SHA-256 checksum over the data and the other metadata, verified on load.
 * Stateless; any thread may call it, but a call that reads or writes a model or optimizer must come
 * from the thread that owns that model (see {@link Model}).
 *
 * <p>Files are named {@code checkpoint-<batches done, 12 digits>.safetensors} and written
 * atomically ({@link AtomicWrite}); older checkpoints are deleted only after the new one is
 * durable, and the newest {@value #KEEP} are kept, so a crash at any moment leaves a loadable
 * checkpoint and never a partial file under a checkpoint's name.
 */
public final class Checkpoints {
    /** Checkpoints kept in a directory. */
    public static final int KEEP = 2;

    private static final String PREFIX = "checkpoint-";
    private static final String SUFFIX = ".safetensors";
    private static final String CHECKSUM = "vtrain.checksum";

    private Checkpoints() {}

    /** A sink that writes checkpoints of {@code model} and {@code optimizer} into {@code dir}. */
    public static CheckpointSink sink(
            Path dir,
            Model model,
            Optimizer optimizer,
            ReduceLROnPlateau plateau,
            Map<String, String> extra) {
        return (state, best) -> write(dir, model, optimizer, plateau, state, best, extra);
    }

    /** Writes one checkpoint and prunes older ones; returns its path. */
    public static Path write(
            Path dir,
            Model model,
            Optimizer optimizer,
            ReduceLROnPlateau plateau,
            TrainingState state,
            Tensor bestParams,
            Map<String, String> extra)
            throws IOException {
        CheckpointEvent event = new CheckpointEvent();
        event.begin();
        List<Safetensors.Entry> tensors = new ArrayList<>();
        for (Parameter p : model.parameters()) {
            tensors.add(
                    Safetensors.Entry.f32("model/" + p.name(), p.shape(), model.read(p.name())));
        }
        for (Buffer b : model.buffers()) {
            tensors.add(
                    Safetensors.Entry.f32("buffer/" + b.name(), b.shape(), model.read(b.name())));
        }
        for (Map.Entry<String, Tensor> e : optimizer.state().entrySet()) {
            tensors.add(
                    Safetensors.Entry.f32(
                            "optimizer/" + e.getKey(),
                            new int[] {(int) e.getValue().size()},
                            download(model, e.getValue())));
        }
        if (bestParams != null) {
            tensors.add(
                    Safetensors.Entry.f32(
                            "best/parameters",
                            new int[] {(int) bestParams.size()},
                            download(model, bestParams)));
        }
        Map<String, String> meta = new LinkedHashMap<>(extra);
        meta.put("vtrain.checkpoint", "1");
        meta.put(ModelFile.SPEC_KEY, ModelFile.specJson(model));
        meta.put(ModelFile.INPUT_SHAPE_KEY, ModelFile.shapeJson(model.inputShape()));
        meta.put("vtrain.state", Json.writeCompact(stateJson(state)));
        meta.put("vtrain.optimizer", optimizer.getClass().getSimpleName());
        meta.put("vtrain.optimizer.steps", Long.toString(optimizer.steps()));
        List<Long> random = new ArrayList<>();
        for (long r : model.randomState()) {
            random.add(r);
        }
        meta.put("vtrain.random", Json.writeCompact(random));
        if (plateau != null) {
            List<Double> ps = new ArrayList<>();
            for (double d : plateau.state()) {
                ps.add(d);
            }
            meta.put("vtrain.plateau", Json.writeCompact(ps));
        }
        ByteBuffer data = Safetensors.encode(tensors, Map.of())[1];
        meta.put(CHECKSUM, checksum(data, meta));
        if (!Files.isDirectory(dir)) {
            Files.createDirectory(dir); // the directory asked for, never its parents
        }
        Path file = dir.resolve(String.format("%s%012d%s", PREFIX, state.batchesDone, SUFFIX));
        Safetensors.write(file, tensors, meta);
        event.end();
        if (event.shouldCommit()) {
            event.path = file.toString();
            event.bytes = Files.size(file); // before pruning, which may delete older names
            event.commit();
        }
        prune(dir);
        return file;
    }

    private static float[] download(Model model, Tensor t) {
        float[] v = new float[(int) t.size()];
        model.backend().download(t, v, 0);
        return v;
    }

    private static void prune(Path dir) throws IOException {
        List<Path> all = list(dir);
        for (int i = 0; i < all.size() - KEEP; i++) {
            Files.deleteIfExists(all.get(i));
        }
    }

    /** Checkpoint files in {@code dir}, oldest first. */
    public static List<Path> list(Path dir) throws IOException {
        List<Path> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, PREFIX + "*" + SUFFIX)) {
            ds.forEach(out::add);
        }
        out.sort(null);
        return out;
    }

    private static String checksum(ByteBuffer data, Map<String, String> meta) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(data.duplicate());
            for (Map.Entry<String, String> e : new TreeMap<>(meta).entrySet()) {
                if (!e.getKey().equals(CHECKSUM)) {
                    md.update(
                            (e.getKey() + "=" + e.getValue() + "\n")
                                    .getBytes(StandardCharsets.UTF_8));
                }
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JDK", e);
        }
    }

    private static Map<String, Object> stateJson(TrainingState s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("epoch", s.epoch);
        m.put("batch", s.batch);
        m.put("loss_total", s.lossTotal);
        m.put("applied_rows", s.appliedRows);
        m.put("skipped", s.skipped);
        m.put("correct", s.correct);
        m.put("epoch_seconds", s.epochSeconds);
        m.put("best_value", Double.isNaN(s.bestValue) ? null : s.bestValue);
        m.put("best_epoch", s.bestEpoch);
        m.put("since_best", s.sinceBest);
        m.put("consecutive_bad", s.consecutiveBad);
        m.put("batches_done", s.batchesDone);
        List<Object> h = new ArrayList<>();
        for (EpochStats e : s.history) {
            h.add(
                    List.of(
                            e.epoch(),
                            e.trainLoss(),
                            e.trainAccuracy(),
                            e.valLoss(),
                            e.valAccuracy(),
                            e.lr(),
                            e.skippedSteps(),
                            e.seconds(),
                            e.samplesPerSecond()));
        }
        m.put("history", h);
        return m;
    }

    /** A verified checkpoint, ready to be applied to a freshly built model and optimizer. */
    public static final class Loaded {
        private final Path file;
        private final Safetensors.Contents contents;
        private final List<String> warnings;

        private Loaded(Path file, Safetensors.Contents contents, List<String> warnings) {
            this.file = file;
            this.contents = contents;
            this.warnings = List.copyOf(warnings);
        }

        /**
         * Newer checkpoints of the directory that could not be read, each with why, when {@link
         * #load} fell back to an older one; empty otherwise.
         */
        public List<String> warnings() {
            return warnings;
        }

        /** The file read. */
        public Path file() {
            return file;
        }

        /** The checkpoint's metadata (caller entries included). */
        public Map<String, String> metadata() {
            return contents.metadata();
        }

        /**
         * The layer tree the checkpoint was written for, rebuilt fresh from its metadata, so a
         * library user can rebuild the model and resume without the command line that started the
         * run ({@code Model.build(loaded.network(), loaded.inputShape(), …)}).
         *
         * @throws SafetensorsException if the checkpoint predates layer trees in checkpoints
         */
        public dev.vtrain.nn.Layer network() {
            String spec = contents.metadata().get(ModelFile.SPEC_KEY);
            if (spec == null) {
                throw new SafetensorsException(
                        file + ": checkpoint has no layer tree (written before format 2)");
            }
            return dev.vtrain.nn.spec.Layers.fromJson(Json.parse(spec), inputShape());
        }

        /** The input sample shape the checkpoint was written for. */
        public dev.vtrain.tensor.Shape inputShape() {
            String shape = contents.metadata().get(ModelFile.INPUT_SHAPE_KEY);
            if (shape == null) {
                throw new SafetensorsException(file + ": checkpoint has no input shape");
            }
            return ModelFile.parseShape(shape);
        }

        /** The best parameters kept for early stopping, or null. */
        public float[] bestParameters() {
            Safetensors.Entry t = contents.tensors().get("best/parameters");
            return t == null ? null : t.data();
        }

        /**
         * Writes parameters, optimizer state and step count, dropout counters and plateau state
         * into the given objects (built with the checkpoint's configuration) and returns the
         * training state to pass to {@code Trainer.fit}.
         *
         * @throws SafetensorsException if the checkpoint does not fit the model or optimizer
         */
        public TrainingState restore(Model model, Optimizer optimizer, ReduceLROnPlateau plateau) {
            Map<String, String> meta = contents.metadata();
            String where = file.toString();
            try {
                for (Parameter p : model.parameters()) {
                    Safetensors.Entry t = contents.tensors().get("model/" + p.name());
                    if (t == null || t.data().length != p.size()) {
                        throw new SafetensorsException(
                                where
                                        + ": checkpoint lacks parameter '"
                                        + p.name()
                                        + "' of "
                                        + p.size()
                                        + " values; was it written for another model?");
                    }
                    model.write(p.name(), t.data());
                }
                for (Buffer b : model.buffers()) {
                    Safetensors.Entry t = contents.tensors().get("buffer/" + b.name());
                    if (t == null || t.data().length != b.size()) {
                        throw new SafetensorsException(
                                where
                                        + ": checkpoint lacks buffer '"
                                        + b.name()
                                        + "' of "
                                        + b.size()
                                        + " values; was it written for another model?");
                    }
                    model.write(b.name(), t.data());
                }
                if (!optimizer.getClass().getSimpleName().equals(meta.get("vtrain.optimizer"))) {
                    throw new SafetensorsException(
                            where
                                    + ": checkpoint was written with optimizer "
                                    + meta.get("vtrain.optimizer")
                                    + ", not "
                                    + optimizer.getClass().getSimpleName());
                }
                Map<String, float[]> state = new LinkedHashMap<>();
                for (String name : optimizer.state().keySet()) {
                    Safetensors.Entry t = contents.tensors().get("optimizer/" + name);
                    if (t == null) {
                        throw new SafetensorsException(
                                where + ": checkpoint lacks optimizer state '" + name + "'");
                    }
                    state.put(name, t.data());
                }
                optimizer.restore(Long.parseLong(meta.get("vtrain.optimizer.steps")), state);
                List<?> random = (List<?>) Json.parse(meta.get("vtrain.random"));
                long[] r = new long[random.size()];
                for (int i = 0; i < r.length; i++) {
                    r[i] = ((Number) random.get(i)).longValue();
                }
                model.restoreRandomState(r);
                if (plateau != null) {
                    if (!meta.containsKey("vtrain.plateau")) {
                        throw new SafetensorsException(
                                where + ": checkpoint has no reduce-on-plateau state");
                    }
                    List<?> ps = (List<?>) Json.parse(meta.get("vtrain.plateau"));
                    double[] d = new double[ps.size()];
                    for (int i = 0; i < d.length; i++) {
                        d[i] = number(ps.get(i));
                    }
                    plateau.restore(d);
                }
                return state((Map<?, ?>) Json.parse(meta.get("vtrain.state")));
            } catch (IllegalArgumentException | ClassCastException | NullPointerException e) {
                if (e instanceof SafetensorsException s) {
                    throw s;
                }
                throw new SafetensorsException(
                        where
                                + ": checkpoint does not fit this model and optimizer ("
                                + e.getMessage()
                                + ")");
            }
        }
    }

    private static double number(Object o) {
        return o == null ? Double.NaN : ((Number) o).doubleValue();
    }

    private static TrainingState state(Map<?, ?> m) {
        TrainingState s = new TrainingState();
        s.epoch = ((Number) m.get("epoch")).intValue();
        s.batch = ((Number) m.get("batch")).intValue();
        s.lossTotal = number(m.get("loss_total"));
        s.appliedRows = ((Number) m.get("applied_rows")).longValue();
        s.skipped = ((Number) m.get("skipped")).longValue();
        s.correct = number(m.get("correct"));
        s.epochSeconds = number(m.get("epoch_seconds"));
        s.bestValue = number(m.get("best_value"));
        s.bestEpoch = ((Number) m.get("best_epoch")).intValue();
        s.sinceBest = ((Number) m.get("since_best")).intValue();
        s.consecutiveBad = ((Number) m.get("consecutive_bad")).intValue();
        s.batchesDone = ((Number) m.get("batches_done")).longValue();
        for (Object o : (List<?>) m.get("history")) {
            List<?> h = (List<?>) o;
            s.history.add(
                    new EpochStats(
                            ((Number) h.get(0)).intValue(),
                            number(h.get(1)),
                            number(h.get(2)),
                            number(h.get(3)),
                            number(h.get(4)),
                            number(h.get(5)),
                            ((Number) h.get(6)).longValue(),
                            number(h.get(7)),
                            number(h.get(8))));
        }
        return s;
    }

    /**
     * Loads and verifies a checkpoint: {@code path} is a checkpoint file, or a directory whose
     * newest readable checkpoint is taken (a newer one that is truncated or corrupted is skipped
     * and named in {@link Loaded#warnings()}).
     *
     * @throws SafetensorsException if there is none, or the one named (or every one of the
     *     directory) is truncated or corrupted
     */
    public static Loaded load(Path path) {
        if (!Files.exists(path)) {
            throw new SafetensorsException(
                    path + ": no such file or directory (expected a checkpoint file or directory)");
        }
        if (!Files.isDirectory(path)) {
            return new Loaded(path, verified(path), List.of());
        }
        List<Path> all;
        try {
            all = list(path);
        } catch (IOException e) {
            throw new SafetensorsException(
                    path + ": cannot list checkpoints (" + e.getMessage() + ")");
        }
        if (all.isEmpty()) {
            throw new SafetensorsException(
                    path + ": no checkpoint-*.safetensors files to resume from");
        }
        List<String> skipped = new ArrayList<>();
        SafetensorsException newest = null;
        for (int i = all.size() - 1; i >= 0; i--) {
            try {
                Safetensors.Contents c = verified(all.get(i));
                if (!skipped.isEmpty()) {
                    skipped.add("resuming from the previous checkpoint, " + all.get(i));
                }
                return new Loaded(all.get(i), c, skipped);
            } catch (SafetensorsException e) {
                newest = newest == null ? e : newest;
                skipped.add("skipped " + all.get(i) + ": " + e.getMessage());
            }
        }
        throw newest;
    }

    /**
     * A checkpoint from bytes ({@code source} names them in errors); {@code verifyChecksum} false
     * lets fuzzing reach the restore logic behind the checksum.
     */
    static Loaded parse(byte[] bytes, String source, boolean verifyChecksum) {
        Safetensors.Contents c;
        try {
            c = Safetensors.read(bytes, source);
        } catch (SafetensorsException e) {
            throw new SafetensorsException(
                    e.getMessage() + " — the checkpoint is truncated or corrupted");
        }
        return new Loaded(Path.of(source), checked(c, Path.of(source), verifyChecksum), List.of());
    }

    private static Safetensors.Contents verified(Path file) {
        Safetensors.Contents c;
        try {
            c = Safetensors.read(file);
        } catch (SafetensorsException e) {
            throw new SafetensorsException(
                    e.getMessage() + " — the checkpoint is truncated or corrupted");
        }
        return checked(c, file, true);
    }

    private static Safetensors.Contents checked(
            Safetensors.Contents c, Path file, boolean verifyChecksum) {
        if (!"1".equals(c.metadata().get("vtrain.checkpoint"))) {
            throw new SafetensorsException(file + ": not a vtrain training checkpoint");
        }
        ByteBuffer data = Safetensors.encode(new ArrayList<>(c.tensors().values()), Map.of())[1];
        String expected = c.metadata().get(CHECKSUM);
        if (verifyChecksum
                && (expected == null || !expected.equals(checksum(data, c.metadata())))) {
            throw new SafetensorsException(file + ": checkpoint is corrupted (checksum mismatch)");
        }
        return c;
    }
}
