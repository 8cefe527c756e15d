package dev.vtrain.cli;

import dev.vtrain.data.DataFormatException;
import dev.vtrain.io.SafetensorsException;
import dev.vtrain.train.TrainingDivergedException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the {@code vtrain} command. */
@Command(
        name = "vtrain",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description =
                "Train neural networks inside the JVM (Vector API kernels, off-heap tensors).",
        subcommands = {
            TrainCommand.class,
            EvalCommand.class,
            PredictCommand.class,
            GenerateCommand.class,
            BenchCommand.class,
            InfoCommand.class,
            CommandLine.HelpCommand.class
        })
public final class Main {
    private Main() {}

    /** Runs the command line and exits with its status. */
    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns the exit status (0 ok, 1 failure, 2 usage error). */
    static int run(String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setParameterExceptionHandler(
                (ex, a) -> {
                    PrintWriter err = ex.getCommandLine().getErr();
                    err.println(
                            "vtrain: "
                                    + dev.vtrain.io.Printable.line(ex.getMessage())
                                    + suggestion(ex)
                                    + " (see '"
                                    + ex.getCommandLine().getCommandSpec().qualifiedName()
                                    + " --help')");
                    return 2;
                });
        cl.setExecutionExceptionHandler(
                (ex, commandLine, parseResult) -> {
                    // One line, whatever the input quoted in the message held.
                    commandLine
                            .getErr()
                            .println("vtrain: " + dev.vtrain.io.Printable.line(message(ex)));
                    if (System.getenv("VTRAIN_DEBUG") != null) {
                        ex.printStackTrace(commandLine.getErr());
                    }
                    return ex instanceof UsageException ? 2 : 1;
                });
        try {
            return cl.execute(args);
        } catch (OutOfMemoryError e) {
            // picocli passes errors through; the stack is unwound, so there is memory to report.
            System.err.println("vtrain: " + OutOfMemory.message(e));
            return 1;
        }
    }

    /** "; did you mean --x?" for an unknown flag close to a known one, else "". */
    private static String suggestion(CommandLine.ParameterException ex) {
        if (ex instanceof CommandLine.UnmatchedArgumentException u) {
            List<String> s = u.getSuggestions();
            if (!s.isEmpty()) {
                return "; did you mean "
                        + String.join(" or ", s.subList(0, Math.min(3, s.size())))
                        + "?";
            }
        }
        return "";
    }

    private static String message(Throwable ex) {
        if (ex instanceof DataFormatException
                || ex instanceof IllegalArgumentException
                || ex instanceof TrainingDivergedException
                || ex instanceof SafetensorsException
                || ex instanceof UncheckedIOException) {
            return ex.getMessage();
        }
        if (ex instanceof OutOfMemoryError oom) {
            return OutOfMemory.message(oom);
        }
        return ex.getClass().getSimpleName()
                + ": "
                + ex.getMessage()
                + " (set VTRAIN_DEBUG=1 for a stack trace)";
    }

    /** Version from the jar manifest, else "dev". */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"vtrain " + (v == null ? "0.1.0-dev" : v)};
        }
    }
}
