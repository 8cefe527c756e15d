package dev.vtrain.nn;

import java.util.concurrent.atomic.AtomicReference;

/**
 * Detects a single-threaded object used from two threads at once, cheaply (one read and one
 * compare-and-set per call). A thread {@link #enter()}s before using the object and {@link
 * #exit(boolean)}s after; entering again on the same thread is allowed (a training loop that
 * evaluates between epochs), entering while another thread is inside fails at once with a message
 * naming both threads, instead of racing on shared buffers. It does not serialise anything: it only
 * turns a data race into a clear exception. Any thread may call it.
 */
public final class UseGuard {
    private final String what;
    private final String advice;
    private final AtomicReference<Thread> user = new AtomicReference<>();

    /**
     * A guard for {@code what} (e.g. "Model"); {@code advice} ends the error message (what to do
     * instead).
     */
    public UseGuard(String what, String advice) {
        this.what = what;
        this.advice = advice;
    }

    /**
     * Marks the calling thread as the user.
     *
     * @return true if this call entered (pass it to {@link #exit}), false if the thread was already
     *     inside
     * @throws IllegalStateException if another thread is inside
     */
    public boolean enter() {
        Thread me = Thread.currentThread();
        Thread current = user.get();
        if (current == me) {
            return false;
        }
        if (current == null && user.compareAndSet(null, me)) {
            return true;
        }
        Thread other = user.get();
        throw new IllegalStateException(
                what
                        + " is in use by thread '"
                        + (other == null ? "?" : other.getName())
                        + "'; thread '"
                        + me.getName()
                        + "' may not use it at the same time ("
                        + what
                        + " is single-threaded). "
                        + advice);
    }

    /** Ends a use begun by {@link #enter()} when it returned true. */
    public void exit(boolean entered) {
        if (entered) {
            user.setRelease(null);
        }
    }

    /** The thread inside now, or null. */
    public Thread user() {
        return user.get();
    }
}
