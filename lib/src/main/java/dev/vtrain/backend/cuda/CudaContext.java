package dev.vtrain.backend.cuda;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;

/**
 * One GPU's state for one backend: the device's primary context, a non-blocking stream, a cuBLAS
 * handle on it, the kernels' modules, two pinned staging buffers with their events, and the
 * device's live allocations. Everything is created in {@link #open} and released in {@link #close}.
 * Used by one thread at a time; {@link #bind()} makes the context current on whichever thread that
 * is.
 */
final class CudaContext implements AutoCloseable {
    /** Bytes per pinned staging buffer; larger transfers go through in chunks. */
    static final int STAGING_BYTES = 4 << 20;

    /** Bytes of the pinned mailbox. */
    static final int MAILBOX_BYTES = 64;

    final CudaDriver driver;
    final Cublas cublas;
    final int device;
    final String deviceName;
    final int computeMajor;
    final int computeMinor;
    final int multiprocessors;
    final long totalMemory;
    final boolean tf32;
    final int cublasVersion;

    private final Arena arena = Arena.ofShared();
    private final long context;
    private final long stream;
    private final long cublasHandle;
    private final Map<String, Long> modules = new HashMap<>();
    private final EnumMap<Kernel, Long> functions = new EnumMap<>(Kernel.class);
    private final MemorySegment[] staging = new MemorySegment[2];
    private MemorySegment mailbox;
    private final long[] stagingDone = new long[2];
    private int nextStaging;

    /** The context this thread last made current (the driver's current context is per thread). */
    private static final ThreadLocal<CudaContext> CURRENT = new ThreadLocal<>();

    /** Live device allocations: pointer to bytes; what is left at close is freed then. */
    private final Map<Long, Long> live = new HashMap<>();

    private long liveBytes;
    private boolean closed;

    private CudaContext(CudaDriver driver, Cublas cublas, int ordinal, boolean tf32) {
        this.driver = driver;
        this.cublas = cublas;
        this.tf32 = tf32;
        driver.init();
        int count = driver.deviceCount();
        if (ordinal < 0 || ordinal >= count) {
            throw new IllegalStateException(
                    "no CUDA device " + ordinal + " (the driver sees " + count + ")");
        }
        device = driver.device(ordinal);
        deviceName = driver.deviceName(device);
        computeMajor = driver.attribute(CudaDriver.ATTRIBUTE_MAJOR, device);
        computeMinor = driver.attribute(CudaDriver.ATTRIBUTE_MINOR, device);
        multiprocessors = driver.attribute(CudaDriver.ATTRIBUTE_MULTIPROCESSORS, device);
        totalMemory = driver.totalMemory(device);
        context = driver.primaryContextRetain(device);
        long s = 0;
        long h = 0;
        boolean done = false;
        try {
            driver.setCurrent(context);
            CURRENT.set(this);
            s = driver.streamCreate(CudaDriver.STREAM_NON_BLOCKING);
            h = cublas.create();
            cublas.setStream(h, s);
            cublas.setMathMode(h, tf32 ? Cublas.TF32_TENSOR_OP_MATH : Cublas.DEFAULT_MATH);
            cublasVersion = cublas.version(h);
            stream = s;
            cublasHandle = h;
            loadKernels();
            for (int i = 0; i < 2; i++) {
                staging[i] = driver.memAllocHost(STAGING_BYTES);
                stagingDone[i] = driver.eventCreate(CudaDriver.EVENT_DISABLE_TIMING);
            }
            mailbox = driver.memAllocHost(MAILBOX_BYTES);
            done = true;
        } finally {
            if (!done) {
                releaseQuietly(s, h);
            }
        }
    }

    /**
     * Opens device {@code ordinal} with the given libraries.
     *
     * @throws CudaException or IllegalStateException when a step fails (all acquired resources are
     *     released first)
     */
    static CudaContext open(CudaDriver driver, Cublas cublas, int ordinal, boolean tf32) {
        return new CudaContext(driver, cublas, ordinal, tf32);
    }

    private void loadKernels() {
        for (Kernel k : Kernel.values()) {
            Long module = modules.get(k.module());
            if (module == null) {
                module = driver.moduleLoad(ptx(k.module()));
                modules.put(k.module(), module);
            }
            long f = driver.function(module, k.entry());
            functions.put(k, f);
        }
    }

    /** The NUL-terminated PTX of a module, from the class path. */
    private MemorySegment ptx(String module) {
        String resource = module + ".ptx";
        try (InputStream in = CudaContext.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException(
                        "PTX resource dev/vtrain/backend/cuda/" + resource + " missing");
            }
            byte[] bytes = in.readAllBytes();
            MemorySegment image = arena.allocate(bytes.length + 1L);
            MemorySegment.copy(bytes, 0, image, ValueLayout.JAVA_BYTE, 0, bytes.length);
            return image;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A small pinned buffer ({@value #MAILBOX_BYTES} bytes) for results read back with a
     * synchronisation: reduction values and the error flags.
     */
    MemorySegment mailbox() {
        return mailbox;
    }

    /** Number of kernels loaded. */
    int kernelCount() {
        return functions.size();
    }

    /**
     * Makes the context current on the calling thread if it is not already (another context, of
     * this or another device, may have been made current on it since).
     *
     * @throws IllegalStateException once the context is closed
     */
    void bind() {
        if (closed) {
            throw new IllegalStateException("the CUDA backend is closed");
        }
        if (CURRENT.get() != this) {
            driver.setCurrent(context);
            CURRENT.set(this);
        }
    }

    long stream() {
        return stream;
    }

    long cublasHandle() {
        return cublasHandle;
    }

    long function(Kernel k) {
        return functions.get(k);
    }

    /** Pinned staging buffer for the next transfer, once its previous copy has finished. */
    MemorySegment nextStaging() {
        int i = nextStaging;
        driver.eventSynchronize(stagingDone[i]);
        return staging[i];
    }

    /** Marks the copy just queued from {@link #nextStaging()}'s buffer and flips to the other. */
    void stagingQueued() {
        driver.eventRecord(stagingDone[nextStaging], stream);
        nextStaging ^= 1;
    }

    /** Device memory of {@code bytes} bytes, zeroed on the stream. */
    long allocateZeroed(long bytes) {
        bind();
        long p = driver.memAlloc(Math.max(bytes, 4));
        live.put(p, bytes);
        liveBytes += bytes;
        if (bytes > 0) {
            driver.set32(p, 0, (bytes + 3) / 4, stream);
        }
        return p;
    }

    /** Frees what {@link #allocateZeroed} returned; after {@link #close()} the memory is gone. */
    void free(long pointer, long bytes) {
        if (closed) {
            return;
        }
        bind();
        // Kernels queued on the stream may still read it.
        driver.streamSynchronize(stream);
        driver.memFree(pointer);
        live.remove(pointer);
        liveBytes -= bytes;
    }

    /** Bytes of device memory allocated through this context and not yet freed. */
    long liveBytes() {
        return liveBytes;
    }

    /** Allocations through this context not yet freed. */
    long liveAllocations() {
        return live.size();
    }

    void synchronize() {
        bind();
        driver.streamSynchronize(stream);
    }

    private void releaseQuietly(long s, long h) {
        try {
            for (int i = 0; i < 2; i++) {
                if (stagingDone[i] != 0) {
                    driver.eventDestroy(stagingDone[i]);
                }
                if (staging[i] != null) {
                    driver.memFreeHost(staging[i]);
                }
            }
            if (mailbox != null) {
                driver.memFreeHost(mailbox);
            }
            for (long m : modules.values()) {
                driver.moduleUnload(m);
            }
            if (h != 0) {
                cublas.destroy(h);
            }
            if (s != 0) {
                driver.streamDestroy(s);
            }
        } catch (RuntimeException e) {
            // Set-up already failed; that failure is the one to report.
        } finally {
            try {
                driver.primaryContextRelease(device);
            } catch (RuntimeException e) {
                // As above.
            }
            arena.close();
        }
    }

    /**
     * Releases everything, each step on its own so that one failure (a sticky kernel error, say)
     * does not keep the rest: device memory still allocated, staging buffers, events, modules, the
     * cuBLAS handle, the stream, then the primary context. Rethrows the first failure at the end.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        RuntimeException first = null;
        try {
            if (CURRENT.get() != this) {
                driver.setCurrent(context);
                CURRENT.set(this);
            }
            driver.streamSynchronize(stream);
        } catch (RuntimeException e) {
            first = e;
        }
        closed = true;
        for (long p : live.keySet()) {
            first = attempt(first, () -> driver.memFree(p));
        }
        live.clear();
        liveBytes = 0;
        for (int i = 0; i < 2; i++) {
            int k = i;
            first = attempt(first, () -> driver.eventDestroy(stagingDone[k]));
            first = attempt(first, () -> driver.memFreeHost(staging[k]));
        }
        first = attempt(first, () -> driver.memFreeHost(mailbox));
        for (long m : modules.values()) {
            first = attempt(first, () -> driver.moduleUnload(m));
        }
        first = attempt(first, () -> cublas.destroy(cublasHandle));
        first = attempt(first, () -> driver.streamDestroy(stream));
        first = attempt(first, () -> driver.primaryContextRelease(device));
        if (CURRENT.get() == this) {
            CURRENT.remove();
        }
        arena.close();
        if (first != null) {
            throw first;
        }
    }

    private static RuntimeException attempt(RuntimeException first, Runnable step) {
        try {
            step.run();
        } catch (RuntimeException e) {
            return first == null ? e : first;
        }
        return first;
    }
}
