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
 *
 * <p>Shared cores. Idle workers spin briefly before parking, which makes dispatch fast on cores of
 * their own, but when another process keeps a core busy every spinning or task-holding worker takes
 * turns with it (and with the caller) in scheduler slices of milliseconds. The pool watches for
 * that (a worker that finds a gap of {@link #LATE_NS} in its own spinning, or a caller that waits
 * that long for a task no longer than its own) and then lets the caller run every task alone for a
 * while, the workers parked; see {@link #nextSoloSpan}. Which thread runs a task never changes
 * results: tasks and their order of combination are fixed by the caller's split.
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

    /** A wait or spin gap this long means a thread was descheduled (tasks take far less). */
    static final long LATE_NS = 200_000;

    /** Shortest and longest solo period after a sign of shared cores. */
    static final long MIN_SOLO_NS = 10_000_000;

    static final long MAX_SOLO_NS = 320_000_000;

    /** Signs of sharing within this long after a solo period ends lengthen the next one. */
    static final long PROBE_NS = 100_000_000;

    private final int threads;
    private final Thread[] workers;
    private final AtomicLong state = new AtomicLong();
    private final AtomicInteger remaining = new AtomicInteger();
    private volatile Body body;
    private volatile Thread waiter;
    private volatile Throwable failure;
    private volatile boolean closed;
    // Racy by design: any thread may record contention; a lost update only shortens a solo span.
    private volatile long soloEnd = System.nanoTime();
    private volatile long soloSpan = MIN_SOLO_NS;

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
        if (workers.length == 0 || tasks == 1 || soloNow()) {
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
        long start = System.nanoTime();
        int ran = runTasks(generation, body, 0);
        long mine = System.nanoTime();
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
        if (spins > 1) {
            long end = System.nanoTime();
            long waited = end - mine;
            if (waited > LATE_NS && waited > (mine - start) / Math.max(ran, 1)) {
                // A worker held a task far longer than the caller's tasks took: it was off its
                // core.
                contended(end);
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

    /** Claims and runs tasks of {@code generation} until none is left; returns how many it ran. */
    private int runTasks(long generation, Body b, int worker) {
        int ran = 0;
        while (true) {
            long s = state.get();
            if (s >>> 40 != generation) {
                return ran;
            }
            long next = s & MASK;
            long count = (s >>> 20) & MASK;
            if (next >= count) {
                return ran;
            }
            if (state.compareAndSet(s, s + 1)) {
                ran++;
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
        long last = System.nanoTime();
        while (!closed) {
            long generation = state.get() >>> 40;
            if (generation == seen) {
                long now = System.nanoTime();
                if (now - last > LATE_NS) {
                    // Descheduled while spinning: the cores are shared, so stop competing for
                    // them.
                    contended(now);
                    idle = SPIN_BEFORE_PARK;
                }
                if (++idle < SPIN_BEFORE_PARK) {
                    Thread.onSpinWait();
                    last = now;
                } else {
                    LockSupport.park(this);
                    last = System.nanoTime();
                }
                continue;
            }
            idle = 0;
            seen = generation;
            Body b = body;
            if (b != null) {
                runTasks(generation, b, worker);
            }
            last = System.nanoTime();
        }
    }

    /**
     * Records a sign that another process shares the cores (a thread of this pool was kept off its
     * core). The caller then runs every task itself for a while, so the pool's threads stop taking
     * turns with that process on one core; the solo period doubles each time the signs return right
     * after it ends, and starts again at the minimum after a clean stretch.
     */
    void contended(long now) {
        soloSpan = nextSoloSpan(soloSpan, now - soloEnd);
        soloEnd = now + soloSpan;
    }

    /**
     * The solo period that follows a sign of shared cores, {@code sinceSoloEnd} ns after the last
     * one ended (negative while it lasts): double {@code previous} (at most {@link #MAX_SOLO_NS})
     * when the sign comes within {@link #PROBE_NS} of its end, else {@link #MIN_SOLO_NS}.
     */
    static long nextSoloSpan(long previous, long sinceSoloEnd) {
        if (sinceSoloEnd >= 0 && sinceSoloEnd < PROBE_NS) {
            return Math.min(previous * 2, MAX_SOLO_NS);
        }
        return sinceSoloEnd < 0 ? previous : MIN_SOLO_NS;
    }

    /** Whether the caller should run the current call's tasks alone (see {@link #contended}). */
    private boolean soloNow() {
        return System.nanoTime() - soloEnd < 0;
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
