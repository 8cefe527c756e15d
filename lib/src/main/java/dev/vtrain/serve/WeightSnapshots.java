package dev.vtrain.serve;

import dev.vtrain.backend.Backend;
import dev.vtrain.io.ModelFile;
import dev.vtrain.jfr.SnapshotEvent;
import dev.vtrain.nn.Model;
import dev.vtrain.tensor.Shape;
import dev.vtrain.tensor.Tensor;
import dev.vtrain.train.TrainingListener;
import java.lang.invoke.VarHandle;
import java.util.List;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Weight snapshots of a model in training, published by the training thread and read without locks
 * by serving threads. Two slots of host memory (parameters then buffers, in the model's slab
 * layout) alternate: {@link #publish()} writes the slot readers are not directed to, then points
 * readers at it; each slot has a sequence number that is odd while it is written (a seqlock), so a
 * reader that copied a slot while it was being overwritten sees the number change and copies again.
 * A reader therefore always gets one whole snapshot, labelled with its true version. Neither side
 * allocates or blocks; the writer never waits for readers.
 *
 * <p>Threads: {@link #publish()} (and the listener of {@link #publishEvery}) runs on the thread
 * that trains the model — it enters the model's {@link dev.vtrain.nn.UseGuard}, so publishing from
 * another thread while training runs fails instead of reading half-updated weights. {@link
 * #version()}, {@link #predictor} and {@link #architecture()} may be called from any thread.
 * Memory: two host copies of the parameters and buffers (8 bytes per weight).
 */
public final class WeightSnapshots {
    private final Model model;
    private final String specJson;
    private final Shape inputShape;
    private final List<String> classNames;
    private final String backendName;
    private final int parameterCount;
    private final int bufferCount;
    private final float[][] slots;
    private final long[] slotVersions;
    private final AtomicLongArray sequence;
    private final boolean checked;
    private final SnapshotEvent snapshotEvent = new SnapshotEvent();
    // (version << 1) | slot of the newest complete snapshot; version 0 means none yet.
    private volatile long published;

    private WeightSnapshots(Model model, List<String> classNames, int slotCount, boolean checked) {
        this.model = model;
        this.specJson = ModelFile.specJson(model);
        this.inputShape = model.inputShape();
        this.classNames = List.copyOf(classNames);
        this.backendName = model.backend().name();
        this.parameterCount = Math.toIntExact(model.parameterSlab().size());
        this.bufferCount = Math.toIntExact(model.bufferSlab().size());
        this.slots = new float[slotCount][parameterCount + bufferCount];
        this.slotVersions = new long[slotCount];
        this.sequence = new AtomicLongArray(slotCount);
        this.checked = checked;
        publish();
    }

    /**
     * Snapshots of {@code model}, publishing its current weights as version 1. Call on the thread
     * that trains the model (before training or between steps). {@code classNames} (index = output;
     * empty for regression) travel to the predictors.
     */
    public static WeightSnapshots of(Model model, List<String> classNames) {
        return new WeightSnapshots(model, classNames, 2, true);
    }

    /**
     * A deliberately broken form — one slot, readers copy without checking its sequence number —
     * that exists only so a test can show that its torn-read check catches a publication without
     * the seqlock. Never use it to serve.
     */
    static WeightSnapshots withoutSequenceCheck(Model model) {
        return new WeightSnapshots(model, List.of(), 1, false);
    }

    /**
     * Copies the model's parameters and buffers into the free slot and makes it the newest
     * snapshot. Runs on the training thread, between steps; costs one copy of the weights.
     *
     * @return the new snapshot's version (1, 2, …)
     * @throws IllegalStateException if another thread is using the model
     */
    public long publish() {
        boolean entered = model.guard().enter();
        try {
            long current = published;
            long version = (current >>> 1) + 1;
            int slot = slots.length == 1 ? 0 : 1 - (int) (current & 1);
            float[] data = slots[slot];
            Backend b = model.backend();
            SnapshotEvent event = snapshotEvent; // reused: publish is single-threaded
            event.begin();
            sequence.getAndIncrement(slot); // odd: being written
            // The odd number must be visible before any of the copy's stores (as StampedLock's
            // write lock does after its CAS).
            VarHandle.storeStoreFence();
            try {
                b.download(model.parameterSlab(), data, 0);
                if (bufferCount > 0) {
                    b.download(model.bufferSlab(), data, parameterCount);
                }
                slotVersions[slot] = version;
            } finally {
                // Even again, also when the copy failed: readers are never directed to this slot
                // then, and its parity stays right for the next publication.
                sequence.incrementAndGet(slot);
            }
            published = (version << 1) | slot;
            event.end();
            if (event.shouldCommit()) {
                event.version = version;
                event.bytes = data.length * 4L;
                event.commit();
            }
            return version;
        } finally {
            model.guard().exit(entered);
        }
    }

    /**
     * A listener that publishes after every {@code steps}-th training step (pass it to {@code
     * TrainingOptions.listener}, or call it from your own); it forwards every callback to {@code
     * next} (may be {@link TrainingListener#NONE}).
     *
     * @throws IllegalArgumentException if {@code steps < 1}
     */
    public TrainingListener publishEvery(int steps, TrainingListener next) {
        if (steps < 1) {
            throw new IllegalArgumentException(
                    "Invalid publication interval: " + steps + " steps (must be ≥ 1)");
        }
        return new TrainingListener() {
            private long seen;

            @Override
            public void onBatch(
                    int epoch, int batch, int batches, long samplesDone, long nanosSinceEpoch) {
                if (++seen % steps == 0) {
                    publish();
                }
                next.onBatch(epoch, batch, batches, samplesDone, nanosSinceEpoch);
            }

            @Override
            public void onEpoch(dev.vtrain.train.EpochStats stats) {
                next.onEpoch(stats);
            }
        };
    }

    /** The newest published version (1 after construction). Any thread. */
    public long version() {
        return published >>> 1;
    }

    /**
     * A predictor for this model on a backend of its own (the training model's kind, one thread:
     * the caller's), holding the newest snapshot and refreshing itself before each call when a
     * newer one is published. Any thread may create one; it then belongs to the thread that first
     * uses it.
     *
     * @param maxBatch the most samples one call may pass
     * @param output what the predictor returns ({@link Predictor.Output#PROBABILITIES} for a
     *     classifier, {@link Predictor.Output#VALUES} for regression, or logits)
     */
    public Predictor predictor(int maxBatch, Predictor.Output output) {
        return Predictor.forSnapshots(this, maxBatch, output);
    }

    /** The model's layer tree (compact JSON), input shape and class names, for predictors. */
    Architecture architecture() {
        return new Architecture(specJson, inputShape, classNames, backendName);
    }

    /** What a predictor needs to build its own copy of the network. */
    record Architecture(
            String specJson, Shape inputShape, List<String> classNames, String backendName) {}

    /**
     * Copies the newest snapshot into {@code parameters} and {@code buffers} (a model of the same
     * architecture on {@code backend}) unless its version is {@code known}; returns the version
     * copied (or {@code known}). Lock-free: retries only when the slot it copied was overwritten
     * meanwhile, which needs two publications during one copy.
     */
    long readInto(long known, Backend backend, Tensor parameters, Tensor buffers) {
        for (; ; ) {
            long p = published;
            if ((p >>> 1) == known) {
                return known;
            }
            int slot = (int) (p & 1);
            long before = sequence.getAcquire(slot);
            if (checked && (before & 1) != 0) {
                Thread.onSpinWait();
                continue;
            }
            long version = slotVersions[slot];
            float[] data = slots[slot];
            backend.upload(data, 0, parameters);
            if (bufferCount > 0) {
                backend.upload(data, parameterCount, buffers);
            }
            VarHandle.acquireFence(); // the copy's reads happen before the check below
            if (!checked || sequence.get(slot) == before) {
                return version;
            }
            Thread.onSpinWait();
        }
    }

    int parameterCount() {
        return parameterCount;
    }

    int bufferCount() {
        return bufferCount;
    }
}
