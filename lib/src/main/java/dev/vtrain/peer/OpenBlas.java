package dev.vtrain.peer;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * {@code cblas_sgemm} from OpenBLAS (Debian {@code libopenblas0-pthread}) through FFM, for side-by-
 * side benchmarks in the same JVM ({@code GemmBench}, {@code vtrain bench}). Not used for training.
 * {@link #problem()} says why the library cannot be used, or is null.
 */
// Calling native code is this class's purpose; callers enable native access for it.
@SuppressWarnings("restricted")
public final class OpenBlas {
    private static final int ROW_MAJOR = 101;
    private static final int NO_TRANS = 111;
    private static final int TRANS = 112;

    private static final MethodHandle SGEMM;
    private static final MethodHandle SET_THREADS;
    private static final String CORE_NAME;
    private static final String PROBLEM;

    static {
        MethodHandle sgemm = null;
        MethodHandle threads = null;
        String core = null;
        String problem = null;
        try {
            SymbolLookup lib = SymbolLookup.libraryLookup("libopenblas.so.0", Arena.global());
            Linker linker = Linker.nativeLinker();
            ValueLayout.OfInt i = ValueLayout.JAVA_INT;
            ValueLayout.OfFloat f = ValueLayout.JAVA_FLOAT;
            sgemm =
                    linker.downcallHandle(
                            lib.find("cblas_sgemm").orElseThrow(),
                            FunctionDescriptor.ofVoid(
                                    i,
                                    i,
                                    i,
                                    i,
                                    i,
                                    i,
                                    f,
                                    ValueLayout.ADDRESS,
                                    i,
                                    ValueLayout.ADDRESS,
                                    i,
                                    f,
                                    ValueLayout.ADDRESS,
                                    i));
            threads =
                    linker.downcallHandle(
                            lib.find("openblas_set_num_threads").orElseThrow(),
                            FunctionDescriptor.ofVoid(i));
            core = coreName(lib, linker);
        } catch (IllegalArgumentException | java.util.NoSuchElementException e) {
            problem =
                    "OpenBLAS not found (libopenblas.so.0: "
                            + e.getMessage()
                            + "); install Debian's libopenblas0-pthread to compare";
        }
        SGEMM = sgemm;
        SET_THREADS = threads;
        CORE_NAME = core;
        PROBLEM = problem;
    }

    /** {@code openblas_get_corename()}: the kernel family OpenBLAS chose, or null if unknown. */
    private static String coreName(SymbolLookup lib, Linker linker) {
        var fn = lib.find("openblas_get_corename");
        if (fn.isEmpty()) {
            return null;
        }
        try {
            MethodHandle h =
                    linker.downcallHandle(fn.get(), FunctionDescriptor.of(ValueLayout.ADDRESS));
            MemorySegment name = (MemorySegment) h.invokeExact();
            return name.reinterpret(64).getString(0).trim();
        } catch (Throwable t) {
            return null;
        }
    }

    /**
     * The kernel family OpenBLAS runs ({@code openblas_get_corename()}, e.g. {@code SkylakeX},
     * {@code Haswell}, or {@code Prescott} for its generic fallback on a CPU it does not know), or
     * null when the library is missing or does not say.
     */
    public static String coreName() {
        return CORE_NAME;
    }

    /**
     * For a generic kernel on a machine with wider SIMD: the {@code OPENBLAS_CORETYPE} that selects
     * OpenBLAS's best kernel for the ISA ({@code SkylakeX} for AVX-512, {@code Haswell} for AVX2),
     * else null. Set it for the peer's process only, never for tests.
     */
    public static String betterCoreType(int simdBits) {
        if (CORE_NAME == null || !CORE_NAME.equalsIgnoreCase("Prescott")) {
            return null;
        }
        return simdBits >= 512 ? "SkylakeX" : simdBits >= 256 ? "Haswell" : null;
    }

    private OpenBlas() {}

    /** Null when usable, else why not. */
    public static String problem() {
        return PROBLEM;
    }

    /** Sets OpenBLAS's thread count. */
    public static void threads(int n) throws Throwable {
        SET_THREADS.invokeExact(n);
    }

    /** Row-major C = alpha · op(A) · op(B) + beta · C. */
    public static void sgemm(
            boolean ta,
            boolean tb,
            int m,
            int n,
            int k,
            float alpha,
            MemorySegment a,
            int lda,
            MemorySegment b,
            int ldb,
            float beta,
            MemorySegment c,
            int ldc)
            throws Throwable {
        SGEMM.invokeExact(
                ROW_MAJOR,
                ta ? TRANS : NO_TRANS,
                tb ? TRANS : NO_TRANS,
                m,
                n,
                k,
                alpha,
                a,
                lda,
                b,
                ldb,
                beta,
                c,
                ldc);
    }
}
