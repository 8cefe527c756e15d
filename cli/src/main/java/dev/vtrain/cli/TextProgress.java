package dev.vtrain.cli;

import dev.vtrain.train.TextTraining;
import java.io.PrintStream;
import java.util.Locale;

/** Prints text-training progress: iterations, loss, rate and tokens/s, and each evaluation. */
final class TextProgress implements TextTraining.Listener {
    private final PrintStream out;
    private final int every;
    private final long tokensPerIteration;

    TextProgress(PrintStream out, int iterations, long tokensPerIteration) {
        this.out = out;
        this.every = Math.max(1, Math.min(50, iterations / 20));
        this.tokensPerIteration = tokensPerIteration;
    }

    @Override
    public void onIteration(int iteration, int iterations, double loss, double lr, long nanos) {
        if (iteration == 1 || iteration % every == 0) {
            double s = nanos / 1e9;
            out.printf(
                    Locale.ROOT,
                    "iter %d/%d: loss %.4f, lr %.3g, %.1f ms/iter, %,.0f tokens/s%n",
                    iteration,
                    iterations,
                    loss,
                    lr,
                    1000 * s / iteration,
                    iteration * tokensPerIteration / s);
        }
    }

    @Override
    public void onEvaluation(TextTraining.Evaluation e) {
        out.printf(
                Locale.ROOT,
                "eval at iter %d: train %.4f, validation %.4f (%.1fs of training)%n",
                e.iteration(),
                e.trainEvalLoss(),
                e.validationLoss(),
                e.seconds());
    }
}
