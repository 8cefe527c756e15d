package dev.vtrain.cli;

import dev.vtrain.io.Checkpoints;
import dev.vtrain.io.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;

/**
 * {@code train --resume}: the run a checkpoint belongs to, rebuilt from the command line it saved.
 * Only {@link RunFlags#MAY_DIFFER} flags may change (a longer run keeps its schedule's length); new
 * checkpoints go next to the one resumed; a checkpoint copied away from its run does not write that
 * run's outputs.
 */
final class ResumedRun {
    private ResumedRun() {}

    /**
     * The run {@code now} (a command with {@code --resume}) continues: the checkpoint's saved
     * command, with the flags that may differ taken from {@code now}, ready to {@code run()}.
     *
     * @throws UsageException naming a flag of {@code now} that would change the run
     */
    static TrainCommand of(TrainCommand now) {
        Path resume = now.resume;
        Checkpoints.Loaded loaded = Checkpoints.load(resume);
        for (String w : loaded.warnings()) {
            System.err.println("vtrain: warning: " + w);
        }
        String savedArgs = loaded.metadata().get("vtrain.args");
        if (savedArgs == null) {
            throw new IllegalArgumentException(
                    loaded.file() + ": checkpoint has no saved command line to resume with");
        }
        List<String> original = new ArrayList<>();
        for (Object o : (List<?>) Json.parse(savedArgs)) {
            original.add((String) o);
        }
        TrainCommand saved = new TrainCommand();
        new CommandLine(saved).parseArgs(original.toArray(String[]::new));
        Path here = loaded.file().toAbsolutePath().getParent();
        Path origin = saved.checkpointDir == null ? null : saved.checkpointDir.toAbsolutePath();
        Map<String, String> meta = loaded.metadata();
        // Checkpoints written before schedule lengths were recorded (and before paths were made
        // absolute, data fingerprinted and regression targets scaled).
        boolean legacy = !meta.containsKey("vtrain.schedule_epochs");
        int savedEpochs =
                legacy ? saved.epochs : Integer.parseInt(meta.get("vtrain.schedule_epochs"));
        int savedIters =
                legacy
                        ? saved.text.iters
                        : Integer.parseInt(meta.getOrDefault("vtrain.schedule_iters", "0"));
        if (legacy && !original.contains("--target-scaling")) {
            saved.data.targetScaling = "none"; // the run trained on raw targets
        }
        List<String> givenNow = new ArrayList<>();
        for (CommandLine.Model.OptionSpec o :
                now.spec.commandLine().getParseResult().matchedOptions()) {
            String name = o.longestName();
            givenNow.add(name);
            CommandLine.Model.OptionSpec was = saved.spec.findOption(name);
            if (RunFlags.MAY_DIFFER.contains(name)) {
                was.setValue(o.getValue());
                continue;
            }
            String before = RunFlags.value(was);
            String given = RunFlags.value(o);
            if (!before.equals(given)) {
                throw new UsageException(
                        "--resume "
                                + resume
                                + ": "
                                + name
                                + " was "
                                + (before.equals("null") ? "not given" : before)
                                + " in the run, this command gives "
                                + given
                                + "; resume with the run's own flags (only --epochs, --threads, outputs"
                                + " and checkpointing may change), e.g. vtrain train --resume "
                                + resume);
            }
        }
        TrainCommand run = saved;
        if (!legacy && origin != null && !sameDirectory(origin, here)) {
            dropOutputsOfCopy(saved, origin, givenNow);
        }
        if (givenNow.contains("--checkpoint-dir") && !sameDirectory(now.checkpointDir, here)) {
            System.out.println(
                    "checkpoints continue in "
                            + here
                            + ", next to the one resumed (not "
                            + now.checkpointDir
                            + ")");
        }
        run.scheduleEpochs = savedEpochs;
        run.scheduleIters = savedIters;
        run.checkpointDir = here;
        run.resumeFrom = loaded;
        run.allowChangedData = now.allowChangedData;
        run.args = RunFlags.given(run.spec, TrainCommand.defaults());
        System.out.println(
                "resuming from " + loaded.file() + " with: " + String.join(" ", run.args));
        return run;
    }

    private static boolean sameDirectory(Path a, Path b) {
        try {
            return Files.isSameFile(a, b);
        } catch (IOException e) {
            return a.toAbsolutePath().normalize().equals(b.toAbsolutePath().normalize());
        }
    }

    /**
     * A checkpoint copied away from its run's directory does not write the run's outputs (they
     * would overwrite the original run's files): it writes those given again on this command.
     */
    private static void dropOutputsOfCopy(TrainCommand saved, Path origin, List<String> givenNow) {
        List<String> dropped = new ArrayList<>();
        for (String flag : RunFlags.OUTPUTS) {
            CommandLine.Model.OptionSpec o = saved.spec.findOption(flag);
            if (o != null && o.getValue() != null && !givenNow.contains(flag)) {
                dropped.add(flag + " " + o.getValue());
                o.setValue(null);
            }
        }
        if (!dropped.isEmpty()) {
            System.err.println(
                    "vtrain: warning: the checkpoint was copied from "
                            + origin
                            + "; the run's outputs ("
                            + String.join(", ", dropped)
                            + ") are not overwritten; give them with this command to write them");
        }
    }
}
