package dev.vtrain.cli;

import dev.vtrain.train.EpochStats;
import dev.vtrain.train.History;
import java.util.Locale;

/** Per-epoch history as CSV (one header row, one row per epoch; empty cells for NaN). */
final class HistoryCsv {
    private HistoryCsv() {}

    static String of(History h) {
        StringBuilder sb =
                new StringBuilder(
                        "epoch,train_loss,train_accuracy,val_loss,val_accuracy,lr,skipped_steps,seconds,samples_per_second\n");
        for (EpochStats e : h.epochs()) {
            sb.append(e.epoch())
                    .append(',')
                    .append(num(e.trainLoss()))
                    .append(',')
                    .append(num(e.trainAccuracy()))
                    .append(',')
                    .append(num(e.valLoss()))
                    .append(',')
                    .append(num(e.valAccuracy()))
                    .append(',')
                    .append(num(e.lr()))
                    .append(',')
                    .append(e.skippedSteps())
                    .append(',')
                    .append(num(e.seconds()))
                    .append(',')
                    .append(num(e.samplesPerSecond()))
                    .append('\n');
        }
        return sb.toString();
    }

    private static String num(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.6g", v) : "";
    }
}
