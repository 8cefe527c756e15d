package dev.vtrain.examples.service;

import dev.vtrain.backend.Backend;
import dev.vtrain.backend.Backends;
import dev.vtrain.nn.Model;
import dev.vtrain.nn.loss.CrossEntropyLoss;
import dev.vtrain.nn.spec.Layers;
import dev.vtrain.optim.AdamW;
import dev.vtrain.serve.Predictor;
import dev.vtrain.serve.WeightSnapshots;
import dev.vtrain.tensor.Shape;
import dev.vtrain.train.Trainer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * A classifier that keeps learning: labelled examples go into a bounded ring buffer (the newest
 * {@code capacity} are kept); a training thread draws random batches from it, takes an AdamW step
 * and publishes the weights every {@code publishEvery} steps. Predictions come from per-thread
 * {@link Predictor}s over the published snapshots, so serving never waits for training.
 *
 * <p>Threads: {@link #add} and {@link #predictor()} from any thread (the predictor then belongs to
 * the calling thread); the training thread is internal. {@link #close()} once, after serving
 * threads have stopped.
 */
public final class OnlineClassifier implements AutoCloseable {
    /** Settings. */
    public record Settings(
            int features,
            List<String> classes,
            String hidden,
            int batch,
            float lr,
            int capacity,
            int publishEvery,
            int minExamples) {
        /**
         * Checks the settings.
         *
         * @throws IllegalArgumentException naming the bad value
         */
        public Settings {
            if (features < 1 || classes.size() < 2 || batch < 1 || capacity < batch) {
                throw new IllegalArgumentException(
                        "need features ≥ 1, ≥ 2 classes, batch ≥ 1 and capacity ≥ batch; got "
                                + features
                                + ", "
                                + classes
                                + ", "
                                + batch
                                + ", "
                                + capacity);
            }
            if (publishEvery < 1 || minExamples < 1) {
                throw new IllegalArgumentException(
                        "publishEvery and minExamples must be ≥ 1; got "
                                + publishEvery
                                + " and "
                                + minExamples);
            }
        }

        /** Defaults for {@code features} inputs and the given classes. */
        public static Settings of(int features, List<String> classes) {
            return new Settings(features, classes, "linear(64),relu", 32, 3e-3f, 10_000, 10, 64);
        }
    }

    private final Settings settings;
    private final Backend backend;
    private final Model model;
    private final AdamW optimizer;
    private final Trainer trainer;
    private final WeightSnapshots snapshots;
    private final float[] ringFeatures;
    private final int[] ringLabels;
    private final Object ringLock = new Object();
    private long added;
    private final float[] batchX;
    private final float[] batchY;
    private final AtomicLong steps = new AtomicLong();
    private final List<Predictor> predictors = new ArrayList<>();
    private final ThreadLocal<Predictor> perThread;
    private final Thread trainerThread;
    private volatile boolean running = true;
    private volatile boolean paused;
    private volatile Throwable failure;

    /** Builds the model and starts the training thread (it waits for {@code minExamples}). */
    public OnlineClassifier(Settings s) {
        this.settings = s;
        // One training thread: the other core serves.
        this.backend = Backends.create("auto", 1).backend();
        int classes = s.classes().size();
        Shape in = Shape.of(s.features());
        this.model =
                Model.build(
                        Layers.fromSpec(s.hidden() + ",linear(" + classes + ")", in),
                        in,
                        s.batch(),
                        backend,
                        0);
        this.optimizer = new AdamW(model, s.lr(), 0.9f, 0.999f, 1e-8f, 0.01f);
        this.trainer = new Trainer(model, new CrossEntropyLoss(), optimizer);
        this.snapshots = WeightSnapshots.of(model, s.classes());
        this.ringFeatures = new float[s.capacity() * s.features()];
        this.ringLabels = new int[s.capacity()];
        this.batchX = new float[s.batch() * s.features()];
        this.batchY = new float[s.batch()];
        this.perThread =
                ThreadLocal.withInitial(
                        () -> {
                            Predictor p = snapshots.predictor(1, Predictor.Output.PROBABILITIES);
                            synchronized (predictors) {
                                predictors.add(p);
                            }
                            return p;
                        });
        this.trainerThread = Thread.ofPlatform().name("trainer").start(this::trainLoop);
    }

    /** The settings. */
    public Settings settings() {
        return settings;
    }

    /**
     * Adds one labelled example (copied).
     *
     * @throws IllegalArgumentException if the feature count or label is wrong
     */
    public void add(float[] features, int label) {
        if (features.length != settings.features()) {
            throw new IllegalArgumentException(
                    "expected " + settings.features() + " features, got " + features.length);
        }
        if (label < 0 || label >= settings.classes().size()) {
            throw new IllegalArgumentException("unknown class index " + label);
        }
        synchronized (ringLock) {
            int slot = (int) (added % settings.capacity());
            System.arraycopy(
                    features, 0, ringFeatures, slot * settings.features(), settings.features());
            ringLabels[slot] = label;
            added++;
        }
    }

    /** This thread's predictor (made on first use). */
    public Predictor predictor() {
        return perThread.get();
    }

    /** Examples added so far. */
    public long examples() {
        synchronized (ringLock) {
            return added;
        }
    }

    /** Training steps taken so far. */
    public long steps() {
        return steps.get();
    }

    /** The newest published snapshot version. */
    public long version() {
        return snapshots.version();
    }

    /** Pauses or resumes training (serving goes on). */
    public void pauseTraining(boolean pause) {
        this.paused = pause;
    }

    /** Why training stopped, or null while it runs (serving goes on with the last snapshot). */
    public Throwable failure() {
        return failure;
    }

    private void trainLoop() {
        try {
            trainSteps();
        } catch (RuntimeException | Error e) {
            failure = e;
            System.err.println("training stopped: " + e);
        }
    }

    private void trainSteps() {
        SplittableRandom rng = new SplittableRandom(0);
        int f = settings.features();
        int b = settings.batch();
        while (running) {
            if (paused || examples() < settings.minExamples()) {
                LockSupport.parkNanos(1_000_000);
                continue;
            }
            synchronized (ringLock) {
                int n = (int) Math.min(added, settings.capacity());
                for (int r = 0; r < b; r++) {
                    int i = rng.nextInt(n);
                    System.arraycopy(ringFeatures, i * f, batchX, r * f, f);
                    batchY[r] = ringLabels[i];
                }
            }
            backend.upload(batchX, 0, trainer.input());
            backend.upload(batchY, 0, trainer.target());
            trainer.step(b, settings.lr(), false);
            if (steps.incrementAndGet() % settings.publishEvery() == 0) {
                snapshots.publish();
            }
        }
    }

    /** Stops training and frees everything (call after serving threads have stopped). */
    @Override
    public void close() {
        running = false;
        boolean interrupted = false;
        while (trainerThread.isAlive()) {
            try {
                trainerThread.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        synchronized (predictors) {
            predictors.forEach(Predictor::close);
        }
        trainer.close();
        optimizer.close();
        model.close();
        backend.close();
    }
}
