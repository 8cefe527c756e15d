package dev.vtrain.cli;

import dev.vtrain.backend.Backends;
import java.util.List;
import java.util.Locale;

/** The {@code --backend} flag: its value checked as a usage error, then the backend created. */
final class BackendFlag {
    private static final List<String> NAMES = List.of("auto", "cpu", "scalar");

    private BackendFlag() {}

    /**
     * Checks the name before any work.
     *
     * @throws UsageException for a name other than auto, cpu or scalar
     */
    static void check(String name) {
        if (name != null && !NAMES.contains(name.toLowerCase(Locale.ROOT))) {
            throw new UsageException(
                    "Invalid --backend '" + name + "' (expected auto, cpu or scalar)");
        }
    }

    /**
     * The backend {@code name} with {@code threads} threads.
     *
     * @throws UsageException if the name is unknown or the backend cannot run here (cpu without the
     *     Vector API module)
     */
    static Backends.Selection create(String name, int threads) {
        check(name);
        try {
            return Backends.create(name, threads);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--backend " + name + ": " + e.getMessage());
        }
    }
}
