package dev.vtrain.train;

import dev.vtrain.backend.Backend;
import dev.vtrain.data.TokenWindows;
import dev.vtrain.optim.schedule.Schedule;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Iteration-based training of a language model on random token windows (nanoGPT's loop): each
 * iteration loads batch i of the training windows, takes one {@link Trainer#step} at {@code
 * schedule(i)}, and every {@code evalEvery} iterations (and after the last) the mean loss on {@code
 * evalIters} fixed batches of each split is measured in evaluation mode. The step's clipping and
 * non-finite settings come from the trainer's {@link Trainer#configure options}. Allocates nothing
 * per iteration; one thread.
 */
public final class TextTraining {
    /** Receives progress; called on the training thread. */
    public interface Listener {
        /** After each iteration: its mean loss, rate and the time since training started. */
        default void onIteration(
                int iteration, int iterations, double loss, double lr, long nanos) {}

        /** After each evaluation. */
        default void onEvaluation(Evaluation e) {}
    }

    /**
     * An evaluation.
     *
     * @param iteration iterations done
     * @param trainLoss mean training loss of the iterations since the previous evaluation (NaN at
     *     0)
     * @param trainEvalLoss mean loss on the fixed training batches
     * @param validationLoss mean loss on the fixed validation batches (NaN without validation data)
     * @param seconds training seconds so far, evaluations excluded
     * @param tokensPerSecond training tokens per second so far, evaluations excluded
     */
    public record Evaluation(
            int iteration,
            double trainLoss,
            double trainEvalLoss,
            double validationLoss,
            double seconds,
            double tokensPerSecond) {}

    /**
     * The settings.
     *
     * @param iterations training iterations
     * @param batch windows per iteration (at most the model's maximum batch)
     * @param evalEvery iterations between evaluations (0: only at the end)
     * @param evalIters batches per split in each evaluation
     * @param schedule the rate of each iteration (by optimizer steps taken)
     * @param maxBadSteps consecutive non-finite steps tolerated before failing
     */
    public record Options(
            int iterations,
            int batch,
            int evalEvery,
            int evalIters,
            Schedule schedule,
            int maxBadSteps) {
        /** Validates the settings. */
        public Options {
            if (iterations < 0 || batch < 1 || evalEvery < 0 || evalIters < 1 || maxBadSteps < 1) {
                throw new IllegalArgumentException(
                        "Invalid text training options: iterations "
                                + iterations
                                + ", batch "
                                + batch
                                + ", eval every "
                                + evalEvery
                                + ", eval iterations "
                                + evalIters);
            }
        }
    }

    /**
     * Where a run stands, as a checkpoint records it: iterations done, the loss accumulated since
     * the last evaluation, and the training time so far. Batch {@code i} depends only on the seed
     * and {@code i}, so with the model, optimizer and random state restored a run continued from
     * here is the uninterrupted run, bit for bit.
     *
     * @param iteration iterations done
     * @param lossSince sum of the step losses since the last evaluation
     * @param stepsSince steps applied since the last evaluation
     * @param trainNanos training time so far, evaluations excluded
     */
    public record Position(int iteration, double lossSince, int stepsSince, long trainNanos) {
        /** The start of a new run. */
        public static final Position START = new Position(0, 0, 0, 0);
    }

    /** Writes a checkpoint at a position; called on the training thread. */
    @FunctionalInterface
    public interface Checkpointer {
        /** Writes the model, optimizer and {@code at} durably. */
        void write(Position at) throws IOException;
    }

    private final Trainer trainer;
    private final Backend backend;
    private final float[] x;
    private final float[] y;

    /** Training through {@code trainer} (its model takes token windows of the block). */
    public TextTraining(Trainer trainer) {
        this.trainer = trainer;
        this.backend = trainer.model().backend();
        int n = trainer.model().maxBatch() * trainer.model().inFeatures();
        this.x = new float[n];
        this.y = new float[n];
    }

    private void load(TokenWindows w, long index, int rows) {
        w.fill(index, rows, x, y);
        backend.upload(x, 0, trainer.input().firstRows(rows));
        backend.upload(y, 0, trainer.target().firstRows(rows));
    }

    /**
     * Mean loss on batches {@code 0 … evalIters-1} of {@code windows} (each of {@code batch} rows),
     * in evaluation mode.
     */
    public double evaluate(TokenWindows windows, int batch, int evalIters) {
        double sum = 0;
        for (int i = 0; i < evalIters; i++) {
            load(windows, i, batch);
            sum += trainer.evaluateLoaded(batch);
        }
        return sum / evalIters;
    }

    /**
     * Runs {@code o.iterations()} iterations of a new run and returns the last evaluation.
     *
     * @throws TrainingDivergedException after {@code maxBadSteps} consecutive non-finite steps
     */
    public Evaluation run(
            TokenWindows train,
            TokenWindows trainEval,
            TokenWindows validation,
            Options o,
            Listener l) {
        return run(train, trainEval, validation, o, l, Position.START, 0, null);
    }

    /**
     * Runs the iterations after {@code from} up to {@code o.iterations()} (the model, optimizer and
     * random state already restored to {@code from}) and returns the last evaluation; with a {@code
     * checkpointer}, writes a checkpoint every {@code checkpointEvery} iterations (0: after each
     * evaluation) and after the last.
     *
     * @throws TrainingDivergedException after {@code maxBadSteps} consecutive non-finite steps
     * @throws UncheckedIOException if a checkpoint cannot be written
     */
    public Evaluation run(
            TokenWindows train,
            TokenWindows trainEval,
            TokenWindows validation,
            Options o,
            Listener l,
            Position from,
            int checkpointEvery,
            Checkpointer checkpointer) {
        boolean entered = trainer.model().guard().enter();
        try {
            return runEntered(
                    train, trainEval, validation, o, l, from, checkpointEvery, checkpointer);
        } finally {
            trainer.model().guard().exit(entered);
        }
    }

    private Evaluation runEntered(
            TokenWindows train,
            TokenWindows trainEval,
            TokenWindows validation,
            Options o,
            Listener l,
            Position from,
            int checkpointEvery,
            Checkpointer checkpointer) {
        int block = trainer.model().inFeatures();
        if (train.block() != block) {
            throw new IllegalArgumentException(
                    "windows of " + train.block() + " tokens for a model of " + block);
        }
        if (o.batch() > trainer.model().maxBatch()) {
            throw new IllegalArgumentException(
                    "batch "
                            + o.batch()
                            + " is larger than the model's "
                            + trainer.model().maxBatch());
        }
        long trainNanos = from.trainNanos();
        double lossSince = from.lossSince();
        int stepsSince = from.stepsSince();
        int bad = 0;
        Evaluation last = null;
        for (int it = from.iteration(); it < o.iterations(); it++) {
            long t0 = System.nanoTime();
            load(train, it, o.batch());
            float lr = (float) o.schedule().lr(trainer.optimizerSteps());
            Trainer.StepOutcome out = trainer.step(o.batch(), lr, false);
            trainNanos += System.nanoTime() - t0;
            if (out == Trainer.StepOutcome.APPLIED) {
                bad = 0;
                lossSince += trainer.lastLoss();
                stepsSince++;
            } else if (++bad >= o.maxBadSteps()) {
                throw new TrainingDivergedException(
                        "Training stopped at iteration "
                                + (it + 1)
                                + ": "
                                + bad
                                + " consecutive steps had a non-finite loss or gradient norm; lower the"
                                + " learning rate or clip gradients");
            }
            l.onIteration(it + 1, o.iterations(), trainer.lastLoss(), lr, trainNanos);
            boolean end = it + 1 == o.iterations();
            boolean evaluate = end || (o.evalEvery() > 0 && (it + 1) % o.evalEvery() == 0);
            if (evaluate) {
                last =
                        evaluation(
                                it + 1,
                                lossSince / stepsSince,
                                trainEval,
                                validation,
                                o,
                                trainNanos,
                                block);
                l.onEvaluation(last);
                lossSince = 0;
                stepsSince = 0;
            }
            boolean due = checkpointEvery > 0 ? (it + 1) % checkpointEvery == 0 : evaluate;
            if (checkpointer != null && (due || end)) {
                try {
                    checkpointer.write(new Position(it + 1, lossSince, stepsSince, trainNanos));
                } catch (IOException e) {
                    throw new UncheckedIOException("Cannot write checkpoint: " + e.getMessage(), e);
                }
            }
        }
        if (last == null) {
            last =
                    evaluation(
                            from.iteration(),
                            Double.NaN,
                            trainEval,
                            validation,
                            o,
                            trainNanos,
                            block);
            l.onEvaluation(last);
        }
        return last;
    }

    private Evaluation evaluation(
            int it,
            double trainLoss,
            TokenWindows trainEval,
            TokenWindows validation,
            Options o,
            long nanos,
            int block) {
        double tr = evaluate(trainEval, o.batch(), o.evalIters());
        double va =
                validation == null ? Double.NaN : evaluate(validation, o.batch(), o.evalIters());
        double s = nanos / 1e9;
        return new Evaluation(
                it, trainLoss, tr, va, s, s == 0 ? 0 : (double) it * o.batch() * block / s);
    }
}
