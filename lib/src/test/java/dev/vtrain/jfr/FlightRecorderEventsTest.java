package dev.vtrain.jfr;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vtrain.backend.Backend;
import dev.vtrain.backend.Backends;
import dev.vtrain.data.Dataset;
import dev.vtrain.data.EmbeddedDatasets;
import dev.vtrain.data.Splits;
import dev.vtrain.io.Checkpoints;
import dev.vtrain.nn.Model;
import dev.vtrain.nn.loss.CrossEntropyLoss;
import dev.vtrain.nn.spec.Layers;
import dev.vtrain.optim.Adam;
import dev.vtrain.serve.WeightSnapshots;
import dev.vtrain.tensor.Shape;
import dev.vtrain.train.Trainer;
import dev.vtrain.train.TrainingListener;
import dev.vtrain.train.TrainingOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A recording of a short training run, read back with {@code jdk.jfr.consumer}. */
class FlightRecorderEventsTest {
    @Test
    void aRecordingHoldsStepsEpochsEvaluationsCheckpointsSnapshotsAndTheBackend(@TempDir Path dir)
            throws Exception {
        Path jfr = dir.resolve("run.jfr");
        Dataset digits = EmbeddedDatasets.digits();
        Splits.Split split = Splits.split(digits, 0.2, 0, 1);
        int steps;
        try (Recording recording = new Recording()) {
            for (String name :
                    List.of(
                            "dev.vtrain.TrainingStep",
                            "dev.vtrain.Epoch",
                            "dev.vtrain.Evaluation",
                            "dev.vtrain.CheckpointWrite",
                            "dev.vtrain.SnapshotPublish",
                            "dev.vtrain.BackendSelection")) {
                recording.enable(name).withThreshold(Duration.ZERO);
            }
            recording.start();
            try (Backend backend = Backends.create("cpu", 2).backend();
                    Model model =
                            Model.build(
                                    Layers.fromSpec(
                                            "linear(32),relu,linear(10)",
                                            Shape.of(digits.featureCount())),
                                    Shape.of(digits.featureCount()),
                                    64,
                                    backend,
                                    0);
                    Adam adam = new Adam(model, 1e-3f);
                    Trainer trainer = new Trainer(model, new CrossEntropyLoss(), adam)) {
                WeightSnapshots snapshots = WeightSnapshots.of(model, List.of());
                trainer.fit(
                        split.train(),
                        split.validation(),
                        TrainingOptions.builder()
                                .epochs(2)
                                .listener(snapshots.publishEvery(10, TrainingListener.NONE))
                                .checkpoints(
                                        Checkpoints.sink(
                                                dir.resolve("ck"), model, adam, null, Map.of()),
                                        0)
                                .build());
                steps = (int) trainer.optimizerSteps();
            }
            recording.stop();
            recording.dump(jfr);
        }
        Map<String, Integer> counts = new HashMap<>();
        for (RecordedEvent e : RecordingFile.readAllEvents(jfr)) {
            String name = e.getEventType().getName();
            counts.merge(name, 1, Integer::sum);
            if (name.equals("dev.vtrain.TrainingStep")) {
                long parts =
                        e.getDuration("forward").toNanos()
                                + e.getDuration("backward").toNanos()
                                + e.getDuration("optimizer").toNanos();
                assertTrue(e.getDuration("forward").toNanos() > 0, e.toString());
                assertTrue(e.getDuration("backward").toNanos() > 0, e.toString());
                assertTrue(parts <= e.getDuration().toNanos() + 1_000_000, e.toString());
                assertTrue(e.getInt("rows") > 0 && Double.isFinite(e.getDouble("loss")));
            }
            if (name.equals("dev.vtrain.Epoch")) {
                assertTrue(e.getDouble("validationAccuracy") > 0, e.toString());
            }
            if (name.equals("dev.vtrain.BackendSelection")) {
                assertEquals("cpu requested", e.getString("reason"));
                assertEquals(2, e.getInt("threads"));
            }
            if (name.equals("dev.vtrain.CheckpointWrite")) {
                assertTrue(e.getLong("bytes") > 0, e.toString());
            }
        }
        assertEquals(steps, counts.get("dev.vtrain.TrainingStep"), counts.toString());
        assertEquals(2, counts.get("dev.vtrain.Epoch"), counts.toString());
        assertEquals(2, counts.get("dev.vtrain.Evaluation"), counts.toString());
        // One checkpoint after each epoch.
        assertEquals(2, counts.get("dev.vtrain.CheckpointWrite"), counts.toString());
        assertEquals(1 + steps / 10, counts.get("dev.vtrain.SnapshotPublish"), counts.toString());
        assertEquals(1, counts.get("dev.vtrain.BackendSelection"), counts.toString());
    }
}
