package dev.vtrain.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.text.ParseException;
import jdk.jfr.Configuration;
import jdk.jfr.Recording;

/**
 * {@code --jfr FILE}: a JDK Flight Recorder recording of the whole command — the JDK's default
 * settings (about 1% overhead) plus every vtrain event ({@code dev.vtrain.*}, no threshold) —
 * written to FILE (atomically) when the command ends, normally or by an exception.
 */
final class FlightRecording implements AutoCloseable {
    private static final String[] EVENTS = {
        "dev.vtrain.TrainingStep",
        "dev.vtrain.Epoch",
        "dev.vtrain.Evaluation",
        "dev.vtrain.CheckpointWrite",
        "dev.vtrain.SnapshotPublish",
        "dev.vtrain.BackendSelection"
    };

    private final Recording recording;
    private final Path file;

    private FlightRecording(Recording recording, Path file) {
        this.recording = recording;
        this.file = file;
    }

    /** Starts recording into {@code file}, or returns null when {@code file} is null. */
    static FlightRecording start(Path file) {
        if (file == null) {
            return null;
        }
        Recording r;
        try {
            r = new Recording(Configuration.getConfiguration("default"));
        } catch (IOException | ParseException e) {
            r = new Recording();
        }
        for (String name : EVENTS) {
            r.enable(name).withThreshold(java.time.Duration.ZERO);
        }
        r.setName("vtrain");
        r.setToDisk(true);
        r.start();
        return new FlightRecording(r, file);
    }

    /** Stops the recording and writes it to the file. */
    @Override
    public void close() {
        Path tmp =
                file.resolveSibling(
                        "." + file.getFileName() + ".tmp-" + ProcessHandle.current().pid());
        try (Recording r = recording) {
            r.stop();
            // Written beside the target, then moved over it: never a half-written recording.
            r.dump(tmp);
            java.nio.file.Files.move(
                    tmp,
                    file,
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            System.out.println("flight recording: " + file);
        } catch (IOException e) {
            try {
                java.nio.file.Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // the failure to write is what is reported
            }
            throw new UncheckedIOException("Cannot write --jfr " + file + ": " + e.getMessage(), e);
        }
    }
}
