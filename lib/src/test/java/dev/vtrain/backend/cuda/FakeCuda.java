package dev.vtrain.backend.cuda;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Test-only: builds {@code src/test/native/fake_cuda.cpp} (vtrain's kernel sources run on the CPU
 * behind the CUDA driver API) and {@code fake_cublas.cpp} with g++ into {@code target/fake-cuda},
 * once per JVM, and opens CUDA backends on them. Without g++ the tests that need it are skipped
 * with the reason {@link #unavailable()} gives.
 */
@SuppressWarnings("restricted")
final class FakeCuda {
    private static final Path OUT = Path.of("target", "fake-cuda");
    static final Path DRIVER = OUT.resolve("libvtrain-fake-cuda.so");
    static final Path CUBLAS = OUT.resolve("libvtrain-fake-cublas.so");

    private static final class Built {
        static final String PROBLEM = build();
    }

    private FakeCuda() {}

    /** Why the fake cannot be used here, or null when it is built. */
    static String unavailable() {
        return Built.PROBLEM;
    }

    private static String build() {
        try {
            Files.createDirectories(OUT);
            String problem =
                    run(
                            List.of(
                                    "g++",
                                    "-std=c++20",
                                    "-O1",
                                    "-shared",
                                    "-fPIC",
                                    "-pthread",
                                    "-Isrc/main/cuda",
                                    "-Isrc/test/native",
                                    "src/test/native/fake_cuda.cpp",
                                    "-o",
                                    DRIVER.toString(),
                                    "-Wl,-soname,libvtrain-fake-cuda.so"));
            if (problem != null) {
                return problem;
            }
            return run(
                    List.of(
                            "g++",
                            "-O1",
                            "-shared",
                            "-fPIC",
                            "src/test/native/fake_cublas.cpp",
                            "-o",
                            CUBLAS.toString(),
                            "-Wl,-soname,libvtrain-fake-cublas.so"));
        } catch (IOException e) {
            return "cannot build the fake CUDA driver: " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted while building the fake CUDA driver";
        }
    }

    private static String run(List<String> command) throws IOException, InterruptedException {
        Process p;
        try {
            p = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            return "no g++ to build the fake CUDA driver (" + e.getMessage() + ")";
        }
        String output =
                new String(
                        p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            return "g++ failed on " + command.get(command.size() - 3) + ":\n" + output;
        }
        return null;
    }

    static CudaDriver driver() {
        return new CudaDriver(load(DRIVER));
    }

    static Cublas cublas() {
        return new Cublas(load(CUBLAS));
    }

    private static CudaLibraries.Loaded load(Path p) {
        return new CudaLibraries.Loaded(
                SymbolLookup.libraryLookup(p.toAbsolutePath(), Arena.global()), p.toString());
    }

    /** A CUDA backend on the fake device (FP32 math). */
    static CudaBackend backend() {
        return CudaBackend.over(CudaContext.open(driver(), cublas(), 0, false));
    }

    private static long call(String name) {
        return callWith(name, FunctionDescriptor.of(ValueLayout.JAVA_LONG));
    }

    private static long callWith(String name, FunctionDescriptor d) {
        MethodHandle h =
                Linker.nativeLinker()
                        .downcallHandle(
                                SymbolLookup.libraryLookup(DRIVER.toAbsolutePath(), Arena.global())
                                        .find(name)
                                        .orElseThrow(),
                                d);
        try {
            return (long) h.invokeExact();
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** Device bytes the fake driver holds (all contexts). */
    static long liveBytes() {
        return call("fake_cuda_live_bytes");
    }

    /** Device and pinned host allocations the fake driver holds. */
    static long liveAllocations() {
        return call("fake_cuda_live_allocations");
    }

    /** Kernel launches so far. */
    static long launches() {
        return call("fake_cuda_launches");
    }

    /** Sets how many devices the fake driver reports (0: cuInit fails with NO_DEVICE). */
    static int setDevices(int n) {
        MethodHandle h =
                Linker.nativeLinker()
                        .downcallHandle(
                                SymbolLookup.libraryLookup(DRIVER.toAbsolutePath(), Arena.global())
                                        .find("fake_cuda_set_devices")
                                        .orElseThrow(),
                                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
        try {
            return (int) h.invokeExact(n);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }
}
