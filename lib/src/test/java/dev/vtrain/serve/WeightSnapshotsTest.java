package dev.vtrain.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vtrain.backend.cpu.CpuBackend;
import dev.vtrain.nn.Model;
import dev.vtrain.nn.loss.CrossEntropyLoss;
import dev.vtrain.nn.spec.Layers;
import dev.vtrain.optim.Adam;
import dev.vtrain.tensor.Shape;
import dev.vtrain.train.Trainer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Train while serving: a training thread publishes a snapshot after every step while serving
 * threads predict. Every snapshot has a checksum, taken by the training thread before publishing;
 * after each answer a serving thread checksums the weights its predictor holds and compares them
 * with the checksum of the version the predictor says it holds. The seqlock publication never
 * mismatches; the same check catches a publication without it.
 */
class WeightSnapshotsTest {
    private static final int FEATURES = 64;
    private static final int BATCH = 32;

    /** What the race produced. */
    private record Outcome(long checks, long versionsSeen, long mismatches, long published) {}

    @Test
    void servingThreadsNeverSeeATornSnapshot() throws Exception {
        Outcome o = race(m -> WeightSnapshots.of(m, List.of()), 2_500, false);
        System.out.println("seqlock publication: " + o);
        assertEquals(0, o.mismatches(), "torn snapshots: " + o);
        assertTrue(o.versionsSeen() >= 20, "the readers must see many versions: " + o);
    }

    @Test
    void theChecksumCatchesAPublicationWithoutTheSeqlock() throws Exception {
        Outcome o = race(WeightSnapshots::withoutSequenceCheck, 20_000, true);
        System.out.println("publication without the seqlock: " + o);
        assertTrue(o.mismatches() > 0, "a broken publication must be caught: " + o);
    }

    private static long checksum(float[] v) {
        long h = 0xcbf29ce484222325L;
        for (float x : v) {
            h ^= Float.floatToRawIntBits(x);
            h *= 0x100000001b3L;
        }
        return h;
    }

    private static Outcome race(
            Function<Model, WeightSnapshots> make, long millis, boolean stopAtFirstMismatch)
            throws Exception {
        try (CpuBackend backend = new CpuBackend(1);
                Model model =
                        Model.build(
                                Layers.fromSpec(
                                        "linear(256),relu,linear(256),relu,linear(10)",
                                        Shape.of(FEATURES)),
                                Shape.of(FEATURES),
                                BATCH,
                                backend,
                                7);
                Adam adam = new Adam(model, 1e-3f);
                Trainer trainer = new Trainer(model, new CrossEntropyLoss(), adam)) {
            float[] x = new float[BATCH * FEATURES];
            float[] y = new float[BATCH];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) Math.sin(i * 0.37);
            }
            for (int i = 0; i < y.length; i++) {
                y[i] = i % 10;
            }
            backend.upload(x, 0, trainer.input());
            backend.upload(y, 0, trainer.target());
            float[] weights = new float[Math.toIntExact(model.parameterSlab().size())];
            Map<Long, Long> checksums = new ConcurrentHashMap<>();
            backend.download(model.parameterSlab(), weights, 0);
            checksums.put(1L, checksum(weights));
            WeightSnapshots snapshots = make.apply(model);
            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong checks = new AtomicLong();
            AtomicLong seen = new AtomicLong();
            AtomicLong mismatches = new AtomicLong();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread[] readers = new Thread[2];
            for (int r = 0; r < readers.length; r++) {
                readers[r] =
                        new Thread(
                                () -> {
                                    try (Predictor p =
                                            snapshots.predictor(1, Predictor.Output.LOGITS)) {
                                        float[] sample = new float[FEATURES];
                                        float[] out = new float[10];
                                        float[] held = new float[weights.length];
                                        long last = 0;
                                        while (!stop.get()) {
                                            p.predict(sample, out);
                                            long v = p.version();
                                            if (v == last) {
                                                continue;
                                            }
                                            last = v;
                                            seen.incrementAndGet();
                                            p.model()
                                                    .backend()
                                                    .download(p.model().parameterSlab(), held, 0);
                                            checks.incrementAndGet();
                                            Long want = checksums.get(v);
                                            if (want == null || want != checksum(held)) {
                                                mismatches.incrementAndGet();
                                                if (stopAtFirstMismatch) {
                                                    stop.set(true);
                                                }
                                            }
                                        }
                                    } catch (Throwable t) {
                                        failure.set(t);
                                        stop.set(true);
                                    }
                                },
                                "reader-" + r);
                readers[r].start();
            }
            long end = System.nanoTime() + millis * 1_000_000;
            long published = 1;
            while (!stop.get() && System.nanoTime() < end) {
                trainer.step(BATCH, 1e-3f, false);
                backend.download(model.parameterSlab(), weights, 0);
                checksums.put(published + 1, checksum(weights));
                published = snapshots.publish();
            }
            stop.set(true);
            for (Thread t : readers) {
                t.join();
            }
            if (failure.get() != null) {
                throw new AssertionError("a reader failed", failure.get());
            }
            return new Outcome(checks.get(), seen.get(), mismatches.get(), published);
        }
    }
}
