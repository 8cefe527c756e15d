package dev.vtrain.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vtrain.backend.Backend;
import dev.vtrain.backend.cpu.CpuBackend;
import dev.vtrain.data.Dataset;
import dev.vtrain.nn.Dropout;
import dev.vtrain.nn.Linear;
import dev.vtrain.nn.Model;
import dev.vtrain.nn.Parameter;
import dev.vtrain.nn.ReLU;
import dev.vtrain.nn.Sequential;
import dev.vtrain.nn.loss.CrossEntropyLoss;
import dev.vtrain.optim.Adam;
import dev.vtrain.optim.Optimizer;
import dev.vtrain.optim.schedule.ReduceLROnPlateau;
import dev.vtrain.optim.schedule.Schedule;
import dev.vtrain.train.EarlyStopping;
import dev.vtrain.train.History;
import dev.vtrain.train.Monitor;
import dev.vtrain.train.Trainer;
import dev.vtrain.train.TrainingOptions;
import dev.vtrain.train.TrainingState;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointsTest {
    private static final Dataset DATA = data(300, 1);
    private static final Dataset VAL = data(60, 2);

    private static Dataset data(int n, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] x = new float[n * 12];
        float[] y = new float[n];
        for (int i = 0; i < n; i++) {
            y[i] = rng.nextInt(4);
            for (int j = 0; j < 12; j++) {
                x[i * 12 + j] = (float) (rng.nextGaussian() + (j % 4 == y[i] ? 1.5 : 0));
            }
        }
        return new Dataset("synthetic", x, 12, y, 1, List.of("a", "b", "c", "d"));
    }

    /** Everything a run needs, built the same way every time. */
    private record Run(
            Backend backend,
            Model model,
            Optimizer optimizer,
            ReduceLROnPlateau plateau,
            Trainer trainer)
            implements AutoCloseable {
        static Run create(Backend b) {
            Model m =
                    Model.build(
                            new Sequential(
                                    new Linear(12, 32),
                                    new ReLU(),
                                    new Dropout(0.3f),
                                    new Linear(32, 4)),
                            12,
                            16,
                            b,
                            5);
            Adam adam = new Adam(m, 0.01f);
            ReduceLROnPlateau plateau =
                    new ReduceLROnPlateau(ReduceLROnPlateau.Mode.MIN, 0.5, 0, 0.0, true, 0, 0);
            return new Run(b, m, adam, plateau, new Trainer(m, new CrossEntropyLoss(), adam));
        }

        TrainingOptions.Builder options() {
            return TrainingOptions.builder()
                    .epochs(6)
                    .seed(9)
                    .schedule(Schedule.withWarmup(Schedule.cosine(0.01, 80, 0.001), 10, 0.1))
                    .plateau(plateau, Monitor.of("val_loss"))
                    .earlyStopping(new EarlyStopping(Monitor.of("val_loss"), 3, 0, true));
        }

        @Override
        public void close() {
            trainer.close();
            optimizer.close();
            model.close();
        }
    }

    private static Map<String, float[]> params(Model m) {
        Map<String, float[]> out = new java.util.TreeMap<>();
        for (Parameter p : m.parameters()) {
            out.put(p.name(), m.read(p.name()));
        }
        return out;
    }

    @Test
    void crashAndResumeIsBitIdenticalToAnUninterruptedRun(@TempDir Path dir) {
        try (CpuBackend b = new CpuBackend(2)) {
            Map<String, float[]> expected;
            History straight;
            try (Run a = Run.create(b)) {
                straight = a.trainer().fit(DATA, VAL, a.options().build());
                expected = params(a.model());
            }
            // Interrupted run: checkpoints every 7 batches (19 per epoch), crash after the fifth.
            int[] saved = {0};
            try (Run c = Run.create(b)) {
                var sink = Checkpoints.sink(dir, c.model(), c.optimizer(), c.plateau(), Map.of());
                RuntimeException crash =
                        assertThrows(
                                RuntimeException.class,
                                () ->
                                        c.trainer()
                                                .fit(
                                                        DATA,
                                                        VAL,
                                                        c.options()
                                                                .checkpoints(
                                                                        (s, best) -> {
                                                                            sink.save(s, best);
                                                                            if (++saved[0] == 5) {
                                                                                throw new IllegalStateException(
                                                                                        "simulated crash");
                                                                            }
                                                                        },
                                                                        7)
                                                                .build()));
                assertEquals("simulated crash", crash.getMessage());
            }
            try (Run r = Run.create(b)) {
                Checkpoints.Loaded loaded = Checkpoints.load(dir);
                TrainingState state = loaded.restore(r.model(), r.optimizer(), r.plateau());
                assertTrue(
                        state.epoch == 2 && state.batch > 0,
                        "resumes inside epoch 2, batch " + state.batch);
                History resumed =
                        r.trainer()
                                .fit(
                                        DATA,
                                        VAL,
                                        r.options().build(),
                                        state,
                                        loaded.bestParameters());
                Map<String, float[]> actual = params(r.model());
                for (String name : expected.keySet()) {
                    assertArrayEquals(
                            expected.get(name), actual.get(name), name + " differs after resume");
                }
                assertEquals(straight.epochs().size(), resumed.epochs().size());
                assertEquals(straight.bestEpoch(), resumed.bestEpoch());
                assertEquals(straight.last().valLoss(), resumed.last().valLoss(), 0.0);
                assertEquals(straight.last().trainLoss(), resumed.last().trainLoss(), 0.0);
            }
        }
    }

    @Test
    void interruptedWriteLeavesThePreviousCheckpointAndNoPartialFile(@TempDir Path dir)
            throws IOException {
        try (CpuBackend b = new CpuBackend(1);
                Run r = Run.create(b)) {
            TrainingState s = new TrainingState();
            s.batchesDone = 10;
            Path first =
                    Checkpoints.write(
                            dir, r.model(), r.optimizer(), r.plateau(), s, null, Map.of());
            s.batchesDone = 20;
            AtomicWrite.failAfterBytes = 300;
            try {
                assertThrows(
                        IOException.class,
                        () ->
                                Checkpoints.write(
                                        dir,
                                        r.model(),
                                        r.optimizer(),
                                        r.plateau(),
                                        s,
                                        null,
                                        Map.of()));
            } finally {
                AtomicWrite.failAfterBytes = -1;
            }
            try (var files = Files.list(dir)) {
                assertEquals(
                        List.of(first),
                        files.toList(),
                        "only the first checkpoint, no temporary or partial file");
            }
            assertEquals(first, Checkpoints.load(dir).file());
            s.batchesDone = 30;
            Path third =
                    Checkpoints.write(
                            dir, r.model(), r.optimizer(), r.plateau(), s, null, Map.of());
            s.batchesDone = 40;
            Path fourth =
                    Checkpoints.write(
                            dir, r.model(), r.optimizer(), r.plateau(), s, null, Map.of());
            assertEquals(List.of(third, fourth), Checkpoints.list(dir), "the newest two are kept");
        }
    }

    @Test
    void truncatedOrCorruptedCheckpointsAreRefusedWithAClearMessage(@TempDir Path dir)
            throws IOException {
        try (CpuBackend b = new CpuBackend(1);
                Run r = Run.create(b)) {
            TrainingState s = new TrainingState();
            s.batchesDone = 1;
            Path older =
                    Checkpoints.write(
                            dir, r.model(), r.optimizer(), r.plateau(), s, null, Map.of());
            s.batchesDone = 2;
            Path newest =
                    Checkpoints.write(
                            dir, r.model(), r.optimizer(), r.plateau(), s, null, Map.of());
            byte[] good = Files.readAllBytes(newest);
            byte[] flipped = good.clone();
            flipped[flipped.length - 5] ^= 0x10;
            Files.write(newest, flipped);
            String m =
                    assertThrows(SafetensorsException.class, () -> Checkpoints.load(newest))
                            .getMessage();
            assertTrue(m.contains("checkpoint is corrupted (checksum mismatch)"), m);
            Checkpoints.Loaded fallback = Checkpoints.load(dir);
            assertEquals(older, fallback.file(), "a corrupt newest falls back to the previous one");
            assertTrue(
                    String.join("; ", fallback.warnings()).contains("checksum mismatch"),
                    fallback.warnings().toString());
            try (FileChannel ch = FileChannel.open(newest, StandardOpenOption.WRITE)) {
                ch.truncate(good.length / 2);
            }
            m =
                    assertThrows(SafetensorsException.class, () -> Checkpoints.load(newest))
                            .getMessage();
            assertTrue(m.contains("truncated or corrupted"), m);
            assertEquals(older, Checkpoints.load(dir).file(), "the older checkpoint still loads");
            Files.write(older, flipped);
            m = assertThrows(SafetensorsException.class, () -> Checkpoints.load(dir)).getMessage();
            assertTrue(
                    m.contains("truncated or corrupted"), "none loads: the newest's error: " + m);
        }
    }

    private static Model cnn(Backend b, dev.vtrain.nn.Layer net, dev.vtrain.tensor.Shape in) {
        return Model.build(net, in, 16, b, 5);
    }

    @Test
    void convNetResumesFromTheCheckpointAloneWithItsBatchNormStatistics(@TempDir Path dir) {
        // 12 features as (3, 2, 2) images: the checkpoint carries the layer tree and input shape,
        // so the resumed model is rebuilt from the checkpoint, not from code or a command line.
        dev.vtrain.tensor.Shape in = dev.vtrain.tensor.Shape.of(3, 2, 2);
        String spec = "conv2d(6,1),batchnorm2d,relu,flatten,dropout(0.2),linear(4)";
        TrainingOptions options = TrainingOptions.builder().epochs(3).seed(4).build();
        try (CpuBackend b = new CpuBackend(2)) {
            Map<String, float[]> expected = new java.util.TreeMap<>();
            try (Model m = cnn(b, dev.vtrain.nn.spec.Layers.fromSpec(spec, in), in);
                    Adam adam = new Adam(m, 0.01f);
                    Trainer t = new Trainer(m, new CrossEntropyLoss(), adam)) {
                t.fit(DATA, null, options);
                expected.putAll(params(m));
                for (dev.vtrain.nn.Buffer buf : m.buffers()) {
                    expected.put(buf.name(), m.read(buf.name()));
                }
            }
            int[] saved = {0};
            try (Model m = cnn(b, dev.vtrain.nn.spec.Layers.fromSpec(spec, in), in);
                    Adam adam = new Adam(m, 0.01f);
                    Trainer t = new Trainer(m, new CrossEntropyLoss(), adam)) {
                var sink = Checkpoints.sink(dir, m, adam, null, Map.of());
                assertThrows(
                        IllegalStateException.class,
                        () ->
                                t.fit(
                                        DATA,
                                        null,
                                        TrainingOptions.builder()
                                                .epochs(3)
                                                .seed(4)
                                                .checkpoints(
                                                        (st, best) -> {
                                                            sink.save(st, best);
                                                            if (++saved[0] == 3) {
                                                                throw new IllegalStateException(
                                                                        "crash");
                                                            }
                                                        },
                                                        5)
                                                .build()));
            }
            Checkpoints.Loaded loaded = Checkpoints.load(dir);
            assertEquals(in, loaded.inputShape());
            try (Model m = cnn(b, loaded.network(), loaded.inputShape());
                    Adam adam = new Adam(m, 0.01f);
                    Trainer t = new Trainer(m, new CrossEntropyLoss(), adam)) {
                TrainingState state = loaded.restore(m, adam, null);
                t.fit(DATA, null, options, state, null);
                for (Map.Entry<String, float[]> e : expected.entrySet()) {
                    assertArrayEquals(
                            e.getValue(), m.read(e.getKey()), e.getKey() + " after resume");
                }
            }
        }
    }

    @Test
    void checkpointOfTheFirstFormatStillRestores() throws Exception {
        // Written by the code before layer trees (commit 910214a):
        //   vtrain train --optimizer adam --lr 0.01 --hidden 16 --epochs 2 --batch-size 32 --seed 1
        //                --threads 1 --checkpoint-dir DIR   (the end-of-epoch-1 checkpoint)
        Path file =
                Path.of(
                        CheckpointsTest.class
                                .getResource("/fixtures/v1_checkpoint.safetensors")
                                .toURI());
        Checkpoints.Loaded loaded = Checkpoints.load(file);
        assertThrows(SafetensorsException.class, loaded::network, "no layer tree in format 1");
        try (CpuBackend b = new CpuBackend(1);
                Model m =
                        Model.build(
                                new Sequential(new Linear(64, 16), new ReLU(), new Linear(16, 10)),
                                64,
                                32,
                                b,
                                0);
                Adam adam =
                        new Adam(
                                m,
                                0.01f,
                                0.9f,
                                0.999f,
                                1e-8f,
                                false,
                                dev.vtrain.optim.ParamGroup.defaults(m, 0f));
                Trainer t = new Trainer(m, new CrossEntropyLoss(), adam)) {
            TrainingState state = loaded.restore(m, adam, null);
            assertEquals(2, state.epoch);
            assertEquals(0, state.batch);
            assertEquals(40, adam.steps());
            Safetensors.Contents c = Safetensors.read(file);
            for (Parameter p : m.parameters()) {
                assertArrayEquals(c.tensors().get("model/" + p.name()).data(), m.read(p.name()));
            }
            History h =
                    t.fit(digits(), null, TrainingOptions.builder().epochs(2).build(), state, null);
            assertEquals(2, h.epochs().size(), "continues with epoch 2");
        }
    }

    private static Dataset digits() {
        return dev.vtrain.data.EmbeddedDatasets.digits();
    }
}
