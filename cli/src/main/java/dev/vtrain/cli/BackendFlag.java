package dev.vtrain.cli;

import dev.vtrain.backend.Backends;
import dev.vtrain.nn.LayerSpec;
import java.util.List;
import java.util.Locale;

/**
 * The {@code --device} flag (also spelled {@code --backend}): its value checked as a usage error,
 * then the backend created.
 */
final class BackendFlag {
    private static final List<String> NAMES = List.of("auto", "cpu", "scalar", "cuda");

    private BackendFlag() {}

    /**
     * Checks the name before any work.
     *
     * @throws UsageException for a name other than auto, cpu, scalar or cuda, and for cuda when the
     *     CUDA probe finds no usable GPU
     */
    static void check(String name) {
        if (name != null && !NAMES.contains(name.toLowerCase(Locale.ROOT))) {
            throw new UsageException(
                    "Invalid --device '" + name + "' (expected auto, cpu, cuda or scalar)");
        }
        if (name != null && name.equalsIgnoreCase("cuda")) {
            dev.vtrain.backend.cuda.CudaProbe.Result gpu =
                    dev.vtrain.backend.cuda.CudaProbe.cached();
            if (!gpu.usable()) {
                throw new UsageException("--device cuda: " + gpu.reason());
            }
        }
    }

    /**
     * The backend {@code name} with {@code threads} threads.
     *
     * @throws UsageException if the name is unknown or the backend cannot run here (cpu without the
     *     Vector API module)
     */
    static Backends.Selection create(String name, int threads) {
        return create(name, threads, null);
    }

    /**
     * As {@link #create(String, int)}; for {@code auto}, the GPU when the CUDA probe passes and it
     * runs every layer of {@code model} (null: the host).
     */
    static Backends.Selection create(String name, int threads, LayerSpec model) {
        check(name);
        Backends.Selection s;
        try {
            s = Backends.create(name, threads, model);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--device " + name + ": " + e.getMessage());
        }
        // One line when a GPU is present but passed over, or used; silence on machines without a
        // CUDA driver at all.
        if (s.backend().name().equals("cuda")
                || (s.reason().contains("; not the GPU: ")
                        && !s.reason().contains("CUDA driver not found"))) {
            System.out.println("device: " + s.backend().name() + " (" + s.reason() + ")");
        }
        return s;
    }
}
