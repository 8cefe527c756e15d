package dev.vtrain.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * A training command's flags in canonical form, as a checkpoint stores them: paths absolute (so a
 * resume from another directory reads the same files), lists joined by commas. Used to save the
 * command in a checkpoint and to tell whether a command resuming it is the same run.
 */
final class RunFlags {
    /**
     * Flags that may differ between a run and a command resuming it: how long it runs (a longer run
     * keeps the schedule of the one it continues), how many threads (results do not depend on it),
     * the device (model files and checkpoints are device-independent: a run trained on the GPU
     * resumes on the CPU and the reverse), where outputs go, and how often it checkpoints.
     */
    static final Set<String> MAY_DIFFER =
            Set.of(
                    "--epochs",
                    "--iters",
                    "--threads",
                    "--device",
                    "--backend",
                    "--save",
                    "--report",
                    "--plot",
                    "--history-csv",
                    "--jfr",
                    "--checkpoint-dir",
                    "--checkpoint-every",
                    "--resume",
                    "--allow-changed-data");

    /** Output flags: not written by a resume of a checkpoint copied away from its run. */
    static final List<String> OUTPUTS = List.of("--save", "--report", "--plot", "--history-csv");

    private RunFlags() {}

    /**
     * The command's flags, canonical, without {@code --resume}: every flag given on the command
     * line and every flag whose value differs from its default (a resume sets values the original
     * command line did not have, such as a longer {@code --epochs}). {@code defaults} is the same
     * command parsed from no arguments.
     */
    static List<String> given(CommandSpec spec, CommandSpec defaults) {
        List<String> out = new ArrayList<>();
        var matched = spec.commandLine().getParseResult().matchedOptions();
        for (OptionSpec o : spec.options()) {
            String name = o.longestName();
            if (name.equals("--resume")
                    || name.equals("--allow-changed-data")
                    || o.usageHelp()
                    || o.versionHelp()
                    || o.getValue() == null) {
                continue;
            }
            if (o.arity().max() == 0) {
                if (Boolean.TRUE.equals(o.getValue())) {
                    out.add(name);
                }
                continue;
            }
            String v = value(o);
            OptionSpec d = defaults.findOption(name);
            if (matched.contains(o) || d == null || !v.equals(value(d))) {
                out.add(name);
                out.add(v);
            }
        }
        return out;
    }

    /** An option's value as a string: paths absolute and normalised, lists comma-joined. */
    static String value(OptionSpec o) {
        Object v = o.getValue();
        if (v == null) {
            return "null";
        }
        if (v instanceof Path p) {
            return p.toAbsolutePath().normalize().toString();
        }
        if (v.getClass().isArray()) {
            String a = java.util.Arrays.deepToString(new Object[] {v});
            return a.substring(2, a.length() - 2).replace(", ", ",");
        }
        if (v instanceof List<?> l) {
            List<String> parts = new ArrayList<>();
            for (Object e : l) {
                parts.add(String.valueOf(e));
            }
            return String.join(",", parts);
        }
        String s = String.valueOf(v);
        String name = o.longestName();
        boolean pathLike = name.equals("--data") || (name.equals("--model") && s.endsWith(".json"));
        if (pathLike && !s.isEmpty() && Files.exists(Path.of(s))) {
            return Path.of(s).toAbsolutePath().normalize().toString();
        }
        return s;
    }
}
