package dev.vtrain.backend.cuda;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * Downcall handles into one loaded library, each resolved once by name. A missing symbol is an
 * {@link IllegalStateException} naming it and the library. Immutable once built; any thread may
 * call the handles.
 */
@SuppressWarnings("restricted") // FFM's native access: this class binds the CUDA libraries.
final class NativeCalls {
    static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
    static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG;
    static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT;
    static final ValueLayout ADDRESS = ValueLayout.ADDRESS;

    private final SymbolLookup symbols;
    private final String origin;

    NativeCalls(CudaLibraries.Loaded library) {
        this.symbols = library.symbols();
        this.origin = library.origin();
    }

    /** The function {@code name} returning a C int, with the given argument layouts. */
    MethodHandle function(String name, MemoryLayout... args) {
        var address =
                symbols.find(name)
                        .orElseThrow(
                                () ->
                                        new IllegalStateException(
                                                "symbol " + name + " missing in " + origin));
        return Linker.nativeLinker().downcallHandle(address, FunctionDescriptor.of(INT, args));
    }

    /** Rethrows what a downcall threw (it cannot throw checked exceptions: C does not). */
    static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            return r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException(t);
    }
}
