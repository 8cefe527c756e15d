package dev.vtrain.cli;

import dev.vtrain.train.EpochStats;
import dev.vtrain.train.TrainingListener;
import java.io.PrintStream;
import java.util.Locale;

/**
 * Terminal progress: while an epoch runs, a bar with throughput redrawn at most ten times a second
 * (only when stdout is a terminal); after each epoch, one summary line.
 */
final class Progress implements TrainingListener {
    private static final long REDRAW_NANOS = 100_000_000L;

    private final PrintStream out;
    private final int epochs;
    private final boolean terminal;
    private final boolean classification;
    private long lastDraw;

    Progress(PrintStream out, int epochs, boolean terminal, boolean classification) {
        this.out = out;
        this.epochs = epochs;
        this.terminal = terminal;
        this.classification = classification;
    }

    /** True when standard output is an interactive terminal (so a redrawn bar makes sense). */
    // Since JDK 22 System.console() is non-null even when output is redirected; isTerminal() tells.
    // It can still be null (e.g. -Djdk.console=java.base with no terminal), hence the check.
    @SuppressWarnings("SystemConsoleNull")
    static boolean stdoutIsTerminal() {
        java.io.Console c = System.console();
        return c != null && c.isTerminal();
    }

    @Override
    public void onBatch(int epoch, int batch, int batches, long samplesDone, long nanos) {
        if (!terminal || (nanos - lastDraw < REDRAW_NANOS && batch != batches)) {
            return;
        }
        lastDraw = nanos;
        int width = 30;
        int filled = (int) ((long) width * batch / batches);
        double rate = samplesDone / (nanos / 1e9);
        out.print(
                String.format(
                        Locale.ROOT,
                        "\repoch %d/%d [%s%s] %d/%d  %,.0f samples/s ",
                        epoch,
                        epochs,
                        "=".repeat(filled),
                        " ".repeat(width - filled),
                        batch,
                        batches,
                        rate));
        out.flush();
    }

    @Override
    public void onEpoch(EpochStats s) {
        if (terminal) {
            out.print("\r\033[K");
        }
        lastDraw = 0;
        String acc =
                classification
                        ? String.format(
                                Locale.ROOT,
                                "  acc %.4f  val_loss %.4f  val_acc %.4f",
                                s.trainAccuracy(),
                                s.valLoss(),
                                s.valAccuracy())
                        : String.format(Locale.ROOT, "  val_loss %.4f", s.valLoss());
        out.println(
                String.format(
                        Locale.ROOT,
                        "epoch %"
                                + String.valueOf(epochs).length()
                                + "d/%d  loss %.4f%s  %.2fs  %,.0f samples/s",
                        s.epoch(),
                        epochs,
                        s.trainLoss(),
                        acc,
                        s.seconds(),
                        s.samplesPerSecond()));
    }
}
