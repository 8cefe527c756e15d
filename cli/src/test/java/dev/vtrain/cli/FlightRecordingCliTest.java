package dev.vtrain.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code vtrain train --jfr FILE} writes a recording with vtrain's events. */
class FlightRecordingCliTest {
    @Test
    void trainWritesAFlightRecordingWithStepAndEpochEvents(@TempDir Path dir) throws Exception {
        Path jfr = dir.resolve("run.jfr");
        CliRun.Result r =
                CliRun.run("train", "--epochs", "2", "--threads", "1", "--jfr", jfr.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("flight recording: " + jfr), r.out());
        Map<String, Integer> counts = new HashMap<>();
        for (RecordedEvent e : RecordingFile.readAllEvents(jfr)) {
            counts.merge(e.getEventType().getName(), 1, Integer::sum);
        }
        assertEquals(2, counts.get("dev.vtrain.Epoch"), counts.toString());
        assertTrue(counts.getOrDefault("dev.vtrain.TrainingStep", 0) >= 2 * 40, counts.toString());
        assertTrue(counts.containsKey("dev.vtrain.BackendSelection"), counts.toString());
        assertTrue(
                counts.containsKey("jdk.JVMInformation")
                        && counts.containsKey("jdk.CPUInformation"),
                "the JDK's default events too: " + counts.keySet());
    }

    @Test
    void aJfrPathInAMissingDirectoryIsRefusedBeforeWork(@TempDir Path dir) {
        Path jfr = dir.resolve("missing/run.jfr");
        CliRun.Result r = CliRun.run("train", "--jfr", jfr.toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("--jfr"), r.err());
        assertFalse(r.out().contains("epoch"), r.out());
        assertFalse(Files.exists(jfr));
    }
}
