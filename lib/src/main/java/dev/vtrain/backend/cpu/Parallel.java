package dev.vtrain.backend.cpu;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The one place vtrain splits work across threads: a persistent pool of {@code threads - 1} daemon
 * workers plus the calling thread. {@link #forEach} hands out task indices dynamically (a thread
 * that is descheduled simply claims fewer tasks) and allocates nothing.
 *
 * <p>Dispatch state is one {@code AtomicLong}: generation (24 bits) | task count (20 bits) | next
 * task (20 bits). A claim is a CAS that checks the generation, so a worker that wakes late can
 * never run a finished generation's body with a new generation's index.
 */
public final class Parallel implements AutoCloseable {
    /** A body run once per task index. */
    @FunctionalInterface
    public interface Body {
        /**
         * Runs task {@code task}, in [0, tasks), on thread {@code worker}, in [0, threads): 0 is
         * the caller; a worker index lets a body use per-thread scratch memory without locking.
         */
        void run(int task, int worker);
    }

    /** Most tasks one {@link #forEach} call may have. */
    public static final int MAX_TASKS = (1 << 20) - 1;

    private static final int SPIN_BEFORE_PARK = 1 << 14;
    private static final long MASK = (1L << 20) - 1;

    private final int threads;
    private final Thread[] workers;
    private final AtomicLong state = new AtomicLong();
    private final AtomicInteger remaining = new AtomicInteger();
    private volatile Body body;
    private volatile Thread waiter;
    private volatile Throwable failure;
    private volatile boolean closed;

    /**
     * Starts {@code threads - 1} workers.
     *
     * @throws IllegalArgumentException if {@code threads < 1}
     */
    public Parallel(int threads) {
        if (threads < 1 || threads > 4096) {
            throw new IllegalArgumentException(
                    "Invalid thread count: " + threads + " (must be in [1, 4096])");
        }
        this.threads = threads;
        this.workers = new Thread[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            int index = i + 1;
            Thread t = new Thread(() -> workerLoop(index), "vtrain-worker-" + index);
            t.setDaemon(true);
            workers[i] = t;
            t.start();
        }
    }

    /** Total threads that run tasks, the caller included. */
    public int threads() {
        return threads;
    }

    /** The worker threads (not the caller), for tests that measure their allocation. */
    public long[] workerThreadIds() {
        long[] ids = new long[workers.length];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = workers[i].threadId();
        }
        return ids;
    }

    /**
     * Runs {@code body.run(i)} for every i in [0, tasks), on the caller and the workers, and
     * returns when all have finished. An exception thrown by a task is rethrown here (the first
     * one).
     */
    public void forEach(int tasks, Body body) {
        if (tasks <= 0) {
            return;
        }
        if (workers.length == 0 || tasks == 1) {
            for (int i = 0; i < tasks; i++) {
                body.run(i, 0);
            }
            return;
        }
        if (tasks > MAX_TASKS) {
            throw new IllegalArgumentException(
                    "Too many tasks: " + tasks + " (at most " + MAX_TASKS + ")");
        }
        if (closed) {
            throw new IllegalStateException("Parallel pool is closed");
        }
        this.body = body;
        this.failure = null;
        this.waiter = Thread.currentThread();
        remaining.set(tasks);
        long generation = ((state.get() >>> 40) + 1) & 0xFFFFFF;
        state.set(generation << 40 | (long) tasks << 20);
        for (Thread w : workers) {
            LockSupport.unpark(w);
        }
        runTasks(generation, body, 0);
        // Spin briefly (the workers usually finish within microseconds), then park until the thread
        // that completes the last task unparks us.
        int spins = 0;
        while (remaining.get() > 0) {
            if (++spins < SPIN_BEFORE_PARK) {
                Thread.onSpinWait();
            } else {
                LockSupport.park(this);
            }
        }
        this.body = null;
        Throwable f = failure;
        if (f != null) {
            failure = null;
            if (f instanceof RuntimeException r) {
                throw r;
            }
            if (f instanceof Error e) {
                throw e;
            }
            throw new IllegalStateException(f);
        }
    }

    private void runTasks(long generation, Body b, int worker) {
        while (true) {
            long s = state.get();
            if (s >>> 40 != generation) {
                return;
            }
            long next = s & MASK;
            long count = (s >>> 20) & MASK;
            if (next >= count) {
                return;
            }
            if (state.compareAndSet(s, s + 1)) {
                try {
                    b.run((int) next, worker);
                } catch (Throwable t) {
                    if (failure == null) {
                        failure = t;
                    }
                } finally {
                    if (remaining.decrementAndGet() == 0) {
                        LockSupport.unpark(waiter);
                    }
                }
            }
        }
    }

    private void workerLoop(int worker) {
        long seen = 0;
        int idle = 0;
        while (!closed) {
            long generation = state.get() >>> 40;
            if (generation == seen) {
                if (++idle < SPIN_BEFORE_PARK) {
                    Thread.onSpinWait();
                } else {
                    LockSupport.park(this);
                }
                continue;
            }
            idle = 0;
            seen = generation;
            Body b = body;
            if (b != null) {
                runTasks(generation, b, worker);
            }
        }
    }

    /** Stops the workers (they exit after their current task). */
    @Override
    public void close() {
        closed = true;
        for (Thread w : workers) {
            LockSupport.unpark(w);
        }
    }
}
