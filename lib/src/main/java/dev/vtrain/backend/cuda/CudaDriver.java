package dev.vtrain.backend.cuda;

import static dev.vtrain.backend.cuda.NativeCalls.ADDRESS;
import static dev.vtrain.backend.cuda.NativeCalls.INT;
import static dev.vtrain.backend.cuda.NativeCalls.LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * The CUDA driver API calls vtrain uses, bound by hand through FFM to the exported (versioned)
 * symbols of {@code libcuda.so.1}, as {@code cuda.h} of CUDA 13 maps them ({@code cuMemAlloc} is
 * {@code cuMemAlloc_v2}, and so on; the per-thread-stream {@code _ptsz} variants are not used).
 * Handles and device pointers are passed as {@code long}; a non-zero result throws {@link
 * CudaException} with the driver's name for the code. Calls that return values allocate a small
 * out-parameter (set-up calls only); the per-step calls (copies, memsets, launches) allocate
 * nothing. Any thread may call it; the CUDA context must be current on the calling thread.
 */
@SuppressWarnings("restricted") // FFM's native access: this class binds the CUDA libraries.
final class CudaDriver {
    /** {@code CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT}. */
    static final int ATTRIBUTE_MULTIPROCESSORS = 16;

    /** {@code CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR}. */
    static final int ATTRIBUTE_MAJOR = 75;

    /** {@code CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR}. */
    static final int ATTRIBUTE_MINOR = 76;

    /** {@code CU_STREAM_NON_BLOCKING}. */
    static final int STREAM_NON_BLOCKING = 1;

    /** {@code CU_EVENT_DISABLE_TIMING}. */
    static final int EVENT_DISABLE_TIMING = 2;

    private final String origin;
    private final MethodHandle init;
    private final MethodHandle driverGetVersion;
    private final MethodHandle deviceGetCount;
    private final MethodHandle deviceGet;
    private final MethodHandle deviceGetName;
    private final MethodHandle deviceGetAttribute;
    private final MethodHandle deviceTotalMem;
    private final MethodHandle primaryCtxRetain;
    private final MethodHandle primaryCtxRelease;
    private final MethodHandle ctxSetCurrent;
    private final MethodHandle streamCreate;
    private final MethodHandle streamDestroy;
    private final MethodHandle streamSynchronize;
    private final MethodHandle eventCreate;
    private final MethodHandle eventRecord;
    private final MethodHandle eventSynchronize;
    private final MethodHandle eventDestroy;
    private final MethodHandle memAlloc;
    private final MethodHandle memFree;
    private final MethodHandle memAllocHost;
    private final MethodHandle memFreeHost;
    private final MethodHandle memGetInfo;
    private final MethodHandle memcpyHtoDAsync;
    private final MethodHandle memcpyDtoHAsync;
    private final MethodHandle memcpyDtoDAsync;
    private final MethodHandle memsetD32Async;
    private final MethodHandle moduleLoadData;
    private final MethodHandle moduleGetFunction;
    private final MethodHandle moduleUnload;
    private final MethodHandle launchKernel;
    private final MethodHandle getErrorName;

    /**
     * Binds every symbol.
     *
     * @throws IllegalStateException naming the first missing symbol
     */
    CudaDriver(CudaLibraries.Loaded library) {
        NativeCalls lib = new NativeCalls(library);
        origin = library.origin();
        init = lib.function("cuInit", INT);
        driverGetVersion = lib.function("cuDriverGetVersion", ADDRESS);
        deviceGetCount = lib.function("cuDeviceGetCount", ADDRESS);
        deviceGet = lib.function("cuDeviceGet", ADDRESS, INT);
        deviceGetName = lib.function("cuDeviceGetName", ADDRESS, INT, INT);
        deviceGetAttribute = lib.function("cuDeviceGetAttribute", ADDRESS, INT, INT);
        deviceTotalMem = lib.function("cuDeviceTotalMem_v2", ADDRESS, INT);
        primaryCtxRetain = lib.function("cuDevicePrimaryCtxRetain", ADDRESS, INT);
        primaryCtxRelease = lib.function("cuDevicePrimaryCtxRelease_v2", INT);
        ctxSetCurrent = lib.function("cuCtxSetCurrent", LONG);
        streamCreate = lib.function("cuStreamCreate", ADDRESS, INT);
        streamDestroy = lib.function("cuStreamDestroy_v2", LONG);
        streamSynchronize = lib.function("cuStreamSynchronize", LONG);
        eventCreate = lib.function("cuEventCreate", ADDRESS, INT);
        eventRecord = lib.function("cuEventRecord", LONG, LONG);
        eventSynchronize = lib.function("cuEventSynchronize", LONG);
        eventDestroy = lib.function("cuEventDestroy_v2", LONG);
        memAlloc = lib.function("cuMemAlloc_v2", ADDRESS, LONG);
        memFree = lib.function("cuMemFree_v2", LONG);
        memAllocHost = lib.function("cuMemAllocHost_v2", ADDRESS, LONG);
        memFreeHost = lib.function("cuMemFreeHost", ADDRESS);
        memGetInfo = lib.function("cuMemGetInfo_v2", ADDRESS, ADDRESS);
        memcpyHtoDAsync = lib.function("cuMemcpyHtoDAsync_v2", LONG, ADDRESS, LONG, LONG);
        memcpyDtoHAsync = lib.function("cuMemcpyDtoHAsync_v2", ADDRESS, LONG, LONG, LONG);
        memcpyDtoDAsync = lib.function("cuMemcpyDtoDAsync_v2", LONG, LONG, LONG, LONG);
        memsetD32Async = lib.function("cuMemsetD32Async", LONG, INT, LONG, LONG);
        moduleLoadData = lib.function("cuModuleLoadData", ADDRESS, ADDRESS);
        moduleGetFunction = lib.function("cuModuleGetFunction", ADDRESS, LONG, ADDRESS);
        moduleUnload = lib.function("cuModuleUnload", LONG);
        launchKernel =
                lib.function(
                        "cuLaunchKernel",
                        LONG,
                        INT,
                        INT,
                        INT,
                        INT,
                        INT,
                        INT,
                        INT,
                        LONG,
                        ADDRESS,
                        ADDRESS);
        getErrorName = lib.function("cuGetErrorName", INT, ADDRESS);
    }

    /** Where the library came from. */
    String origin() {
        return origin;
    }

    void check(String call, int rc) {
        if (rc != 0) {
            throw new CudaException(call, rc, errorName(rc));
        }
    }

    /** The driver's name for a result code, e.g. {@code CUDA_ERROR_NO_DEVICE}. */
    String errorName(int rc) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ADDRESS);
            int r = (int) getErrorName.invokeExact(rc, out);
            if (r != 0) {
                return "CUDA error";
            }
            MemorySegment s = out.get(ValueLayout.ADDRESS, 0);
            return s.equals(MemorySegment.NULL) ? "CUDA error" : s.reinterpret(256).getString(0);
        } catch (Throwable t) {
            throw NativeCalls.rethrow(t);
        }
    }

    void init() {
        try {
            check("cuInit", (int) init.invokeExact(0));
        } catch (Throwable t) {
            throw NativeCalls.rethrow(t);
        }
    }

    int driverVersion() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(INT);
            check("cuDriverGetVersion", (int) driverGetVersion.invokeExact(out));
            return out.get(INT, 0);
        } catch (Throwable t) {
            throw NativeCalls.rethrow(t);
        }
    }

    int deviceCount() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(INT);
            check("cuDeviceGetCount", (int) deviceGetCount.invokeExact(out));
            return out.get(INT, 0);
        } catch (Throwable t) {
            throw NativeCalls.rethrow(t);
        }
    }

    int device(int ordinal) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(INT);
            check("cuDeviceGet", (int) deviceGet.invokeExact(out, ordinal));
            return out.get(INT, 0);
        } catch (Throwable t) {
            throw NativeCalls.rethrow(t);
        }
    }

    String deviceName(int device) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(256);
            check("cuDeviceGetName", (int) deviceGetName.invokeExact(out, 256, device));
            return out.getString(0);
        } catch (Throwable t) {
            throw NativeCalls.rethrow(t);
        }
    }

    int attribute(int attribute, int device) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(INT);
            check(
                    "cuDeviceGetAttribute",
                    (int) deviceGetAttribute.invokeExact(out, attribute, device));
            return out.get(INT, 0);
        } catch (Throwable t) {
            throw NativeCalls.rethrow(t);
        }
    }

    long totalMemory(int device) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(LONG);
            check("cuDeviceTotalMem_v2", (int) deviceTotalMem.invokeExact(out, device));
            return out.get(LONG, 0);
        } catch (Throwable t) {
            throw NativeCalls.rethrow(t);
        }
    }

    long primaryContextRetain(int device) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(LONG);
            check("cuDevicePrimaryCtxRetain", (int) primaryCtxRetain.invokeExact(out, device));
            return out.get(LONG, 0);
        } catch (Throwable t) {
            throw NativeCalls.rethrow(t);
        }
    }

    void primaryContextRelease(int device) {
        try {
            check("cuDevicePrimaryCtxRelease_v2", (int) primaryCtxRelease.invokeExact(device));
        } catch (Throwable t) {
            throw NativeCalls.rethrow(t);
        }
    }

    void setCurrent(long context) {
        try {
            check("cuCtxSetCurrent", (int) ctxSetCurrent.invokeExact(context));
        } catch (Throwable t) {
            throw NativeCalls.rethrow(t);
        }
    }

    long streamCreate(int flags) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(LONG);
            check("cuStreamCreate", (int) streamCreate.invokeExact(out, flags));
            return out.get(LONG, 0);
        } catch (Throwable t) {
            throw NativeCalls.rethrow(t);
        }
    }

    void streamDestroy(long stream) {
        try {
            check("cuStreamDestroy_v2", (int) streamDestroy.invokeExact(stream));
        } catch (Throwable t) {
            throw NativeCalls.rethrow(t);
        }
    }

    void streamSynchronize(long stream) {
        try {
            check("cuStreamSynchronize", (int) streamSynchronize.invokeExact(stream));
        } catch (Throwable t) {
            throw NativeCalls.rethrow(t);
        }
    }

    long eventCreate(int flags) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(LONG);
            check("cuEventCreate", (int) eventCreate.invokeExact(out, flags));
            return out.get(LONG, 0);
        } catch (Throwable t) {
            throw NativeCalls.rethrow(t);
        }
    }

    void eventRecord(long event, long stream) {
        try {
            check("cuEventRecord", (int) eventRecord.invokeExact(event, stream));
        } catch (Throwable t) {
            throw NativeCalls.rethrow(t);
        }
    }

    void eventSynchronize(long event) {
        try {
            check("cuEventSynchronize", (int) eventSynchronize.invokeExact(event));
        } catch (Throwable t) {
            throw NativeCalls.rethrow(t);
        }
    }

    void eventDestroy(long event) {
        try {
            check("cuEventDestroy_v2", (int) eventDestroy.invokeExact(event));
        } catch (Throwable t) {
            throw NativeCalls.rethrow(t);
        }
    }

    /** Device memory of {@code bytes} bytes (not zeroed). */
    long memAlloc(long bytes) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(LONG);
            check("cuMemAlloc_v2", (int) memAlloc.invokeExact(out, bytes));
            return out.get(LONG, 0);
        } catch (Throwable t) {
            throw NativeCalls.rethrow(t);
        }
    }

    void memFree(long pointer) {
        try {
            check("cuMemFree_v2", (int) memFree.invokeExact(pointer));
        } catch (Throwable t) {
            throw NativeCalls.rethrow(t);
        }
    }

    /** Page-locked host memory of {@code bytes} bytes, as a segment of that size. */
    MemorySegment memAllocHost(long bytes) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ADDRESS);
            check("cuMemAllocHost_v2", (int) memAllocHost.invokeExact(out, bytes));
            return out.get(ValueLayout.ADDRESS, 0).reinterpret(bytes);
        } catch (Throwable t) {
            throw NativeCalls.rethrow(t);
        }
    }

    void memFreeHost(MemorySegment host) {
        try {
            check("cuMemFreeHost", (int) memFreeHost.invokeExact(host));
        } catch (Throwable t) {
            throw NativeCalls.rethrow(t);
        }
    }

    /** Free and total device memory of the current context's device, in bytes. */
    long[] memoryInfo() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment free = a.allocate(LONG);
            MemorySegment total = a.allocate(LONG);
            check("cuMemGetInfo_v2", (int) memGetInfo.invokeExact(free, total));
            return new long[] {free.get(LONG, 0), total.get(LONG, 0)};
        } catch (Throwable t) {
            throw NativeCalls.rethrow(t);
        }
    }

    void copyHostToDevice(long dst, MemorySegment src, long bytes, long stream) {
        try {
            check(
                    "cuMemcpyHtoDAsync_v2",
                    (int) memcpyHtoDAsync.invokeExact(dst, src, bytes, stream));
        } catch (Throwable t) {
            throw NativeCalls.rethrow(t);
        }
    }

    void copyDeviceToHost(MemorySegment dst, long src, long bytes, long stream) {
        try {
            check(
                    "cuMemcpyDtoHAsync_v2",
                    (int) memcpyDtoHAsync.invokeExact(dst, src, bytes, stream));
        } catch (Throwable t) {
            throw NativeCalls.rethrow(t);
        }
    }

    void copyDeviceToDevice(long dst, long src, long bytes, long stream) {
        try {
            check(
                    "cuMemcpyDtoDAsync_v2",
                    (int) memcpyDtoDAsync.invokeExact(dst, src, bytes, stream));
        } catch (Throwable t) {
            throw NativeCalls.rethrow(t);
        }
    }

    /** Sets {@code count} 32-bit words at {@code dst} to {@code bits}. */
    void set32(long dst, int bits, long count, long stream) {
        try {
            check("cuMemsetD32Async", (int) memsetD32Async.invokeExact(dst, bits, count, stream));
        } catch (Throwable t) {
            throw NativeCalls.rethrow(t);
        }
    }

    /** Loads a module from a NUL-terminated PTX image. */
    long moduleLoad(MemorySegment image) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(LONG);
            check("cuModuleLoadData", (int) moduleLoadData.invokeExact(out, image));
            return out.get(LONG, 0);
        } catch (Throwable t) {
            throw NativeCalls.rethrow(t);
        }
    }

    long function(long module, String name) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(LONG);
            MemorySegment cName = a.allocateFrom(name);
            int rc = (int) moduleGetFunction.invokeExact(out, module, cName);
            check("cuModuleGetFunction(" + name + ")", rc);
            return out.get(LONG, 0);
        } catch (Throwable t) {
            throw NativeCalls.rethrow(t);
        }
    }

    void moduleUnload(long module) {
        try {
            check("cuModuleUnload", (int) moduleUnload.invokeExact(module));
        } catch (Throwable t) {
            throw NativeCalls.rethrow(t);
        }
    }

    /**
     * Launches {@code function} on a 1-D grid with {@code params}, an array of pointers to the
     * argument values (see {@link KernelArguments}).
     */
    void launch(long function, int grid, int block, long stream, MemorySegment params) {
        try {
            int rc =
                    (int)
                            launchKernel.invokeExact(
                                    function,
                                    grid,
                                    1,
                                    1,
                                    block,
                                    1,
                                    1,
                                    0,
                                    stream,
                                    params,
                                    MemorySegment.NULL);
            check("cuLaunchKernel", rc);
        } catch (Throwable t) {
            throw NativeCalls.rethrow(t);
        }
    }
}
