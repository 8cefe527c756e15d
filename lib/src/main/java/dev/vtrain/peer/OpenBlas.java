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
    private static final String PROBLEM;

    static {
        MethodHandle sgemm = null;
        MethodHandle threads = null;
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
        } catch (IllegalArgumentException | java.util.NoSuchElementException e) {
            problem =
                    "OpenBLAS not found (libopenblas.so.0: "
                            + e.getMessage()
                            + "); install Debian's libopenblas0-pthread to compare";
        }
        SGEMM = sgemm;
        SET_THREADS = threads;
        PROBLEM = problem;
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
