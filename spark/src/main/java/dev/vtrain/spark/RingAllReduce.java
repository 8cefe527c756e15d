package dev.vtrain.spark;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.List;

/**
 * Sums float arrays across {@code size} tasks over TCP: a ring (task r sends to r+1 and receives
 * from r−1) running a reduce-scatter then an all-gather, so each task sends and receives {@code
 * 2(size−1)/size} of the array per call. Chunk {@code c}'s sum is always accumulated in the same
 * ring order (starting at task c), so the result is deterministic, and after the all-gather every
 * task holds identical bits. Blocking calls with a deadline: a neighbour silent for {@link
 * #TIMEOUT_MS} fails the call, and so does an interrupt, so a dead or killed task never leaves the
 * others waiting for ever. One thread per instance (the task's training thread).
 */
final class RingAllReduce implements AutoCloseable {
    /** How long a task waits for its neighbours before it gives up. */
    static final int TIMEOUT_MS = 120_000;

    private final int rank;
    private final int size;
    private final SocketChannel toNext;
    private final SocketChannel fromPrev;
    private final Selector selector;
    private final SelectionKey sendKey;
    private final SelectionKey recvKey;
    private final ByteBuffer send;
    private final ByteBuffer recv;
    private final FloatBuffer sendFloats;
    private final FloatBuffer recvFloats;
    private final float[] partial;
    private long nanos;
    private long calls;
    private long bytesSent;

    private RingAllReduce(
            int rank, int size, SocketChannel toNext, SocketChannel fromPrev, int maxElements)
            throws IOException {
        this.rank = rank;
        this.size = size;
        this.toNext = toNext;
        this.fromPrev = fromPrev;
        int chunk = (maxElements + size - 1) / size;
        this.send = ByteBuffer.allocateDirect(chunk * 4).order(ByteOrder.LITTLE_ENDIAN);
        this.recv = ByteBuffer.allocateDirect(chunk * 4).order(ByteOrder.LITTLE_ENDIAN);
        this.sendFloats = send.asFloatBuffer();
        this.recvFloats = recv.asFloatBuffer();
        this.partial = new float[chunk];
        if (size > 1) {
            toNext.configureBlocking(false);
            fromPrev.configureBlocking(false);
            this.selector = Selector.open();
            this.sendKey = toNext.register(selector, 0);
            this.recvKey = fromPrev.register(selector, 0);
        } else {
            this.selector = null;
            this.sendKey = null;
            this.recvKey = null;
        }
    }

    /**
     * Joins the ring: connects to the next task's listening socket and accepts the previous task's
     * connection on {@code server}; each side names its rank first, which is checked.
     *
     * @param addresses every task's {@code host:port}, index = rank
     * @param maxElements the longest array {@link #sum} will be given
     */
    static RingAllReduce join(
            int rank, List<String> addresses, ServerSocketChannel server, int maxElements)
            throws IOException {
        int size = addresses.size();
        if (size == 1) {
            return new RingAllReduce(0, 1, null, null, maxElements);
        }
        String next = addresses.get((rank + 1) % size);
        int colon = next.lastIndexOf(':');
        SocketChannel out = null;
        SocketChannel in = null;
        try {
            out = SocketChannel.open();
            out.socket()
                    .connect(
                            new InetSocketAddress(
                                    next.substring(0, colon),
                                    Integer.parseInt(next.substring(colon + 1))),
                            TIMEOUT_MS);
            out.socket().setTcpNoDelay(true);
            ByteBuffer hello = ByteBuffer.allocate(4).putInt(0, rank);
            while (hello.hasRemaining()) {
                out.write(hello);
            }
            server.socket().setSoTimeout(TIMEOUT_MS);
            in = server.socket().accept().getChannel();
            in.socket().setTcpNoDelay(true);
            in.socket().setSoTimeout(TIMEOUT_MS);
            ByteBuffer who = ByteBuffer.allocate(4);
            var stream = in.socket().getInputStream();
            for (int i = 0; i < 4; i++) {
                int b = stream.read();
                if (b < 0) {
                    throw new IOException(
                            "the previous task closed its connection before naming itself");
                }
                who.put((byte) b);
            }
            int prev = (rank - 1 + size) % size;
            if (who.getInt(0) != prev) {
                throw new IOException(
                        "task "
                                + rank
                                + " expected task "
                                + prev
                                + " but task "
                                + who.getInt(0)
                                + " connected");
            }
            return new RingAllReduce(rank, size, out, in, maxElements);
        } catch (IOException | RuntimeException e) {
            closeQuietly(out);
            closeQuietly(in);
            throw e;
        }
    }

    private static void closeQuietly(java.io.Closeable c) {
        if (c != null) {
            try {
                c.close();
            } catch (IOException ignored) {
                // closing after a failure: the failure is what is reported
            }
        }
    }

    /** Replaces {@code data[0, n)} on every task by its sum over all tasks. */
    void sum(float[] data, int n) throws IOException {
        if (size == 1) {
            return;
        }
        long t0 = System.nanoTime();
        for (int s = 0; s < size - 1; s++) {
            exchange(
                    data,
                    n,
                    Math.floorMod(rank - s, size),
                    Math.floorMod(rank - s - 1, size),
                    true);
        }
        for (int s = 0; s < size - 1; s++) {
            exchange(
                    data,
                    n,
                    Math.floorMod(rank - s + 1, size),
                    Math.floorMod(rank - s, size),
                    false);
        }
        nanos += System.nanoTime() - t0;
        calls++;
    }

    private int start(int chunk, int n) {
        return (int) ((long) chunk * n / size);
    }

    private void exchange(float[] data, int n, int sendChunk, int recvChunk, boolean add)
            throws IOException {
        int s0 = start(sendChunk, n);
        int sLen = start(sendChunk + 1, n) - s0;
        int r0 = start(recvChunk, n);
        int rLen = start(recvChunk + 1, n) - r0;
        sendFloats.clear();
        sendFloats.put(data, s0, sLen);
        send.clear().limit(sLen * 4);
        recv.clear().limit(rLen * 4);
        long lastProgress = System.nanoTime();
        while (send.hasRemaining() || recv.hasRemaining()) {
            sendKey.interestOps(send.hasRemaining() ? SelectionKey.OP_WRITE : 0);
            recvKey.interestOps(recv.hasRemaining() ? SelectionKey.OP_READ : 0);
            selector.select(1000);
            if (Thread.interrupted()) {
                throw new java.io.InterruptedIOException("task " + rank + " interrupted");
            }
            int moved = 0;
            if (send.hasRemaining()) {
                int w = toNext.write(send);
                bytesSent += w;
                moved += w;
            }
            if (recv.hasRemaining()) {
                int r = fromPrev.read(recv);
                if (r < 0) {
                    throw new IOException("task " + rank + ": the previous task closed the ring");
                }
                moved += r;
            }
            long now = System.nanoTime();
            if (moved > 0) {
                lastProgress = now;
            } else if (now - lastProgress > TIMEOUT_MS * 1_000_000L) {
                throw new IOException(
                        "task "
                                + rank
                                + ": no progress with its neighbours for "
                                + TIMEOUT_MS / 1000
                                + " s");
            }
        }
        recvFloats.clear();
        recvFloats.get(partial, 0, rLen);
        if (add) {
            for (int i = 0; i < rLen; i++) {
                data[r0 + i] += partial[i];
            }
        } else {
            System.arraycopy(partial, 0, data, r0, rLen);
        }
    }

    /** Nanoseconds spent in {@link #sum} so far. */
    long nanos() {
        return nanos;
    }

    /** Calls of {@link #sum} so far. */
    long calls() {
        return calls;
    }

    /** Bytes this task sent so far. */
    long bytesSent() {
        return bytesSent;
    }

    @Override
    public void close() {
        if (size > 1) {
            closeQuietly(selector);
            closeQuietly(toNext);
            closeQuietly(fromPrev);
        }
    }
}
