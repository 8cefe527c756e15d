package dev.vtrain.backend.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds and loads the CUDA driver ({@code libcuda.so.1}) and cuBLAS ({@code libcublas.so.13}, then
 * {@code .12}) at run time; nothing is bundled. The order, first match wins:
 *
 * <ol>
 *   <li>the exact files named by the system properties {@value #DRIVER_PROPERTY} and {@value
 *       #CUBLAS_PROPERTY} (when set, only that file is tried);
 *   <li>the directories of the system property {@value #PATH_PROPERTY} (separated by {@code :});
 *   <li>the plain library names, through the dynamic loader's own search ({@code LD_LIBRARY_PATH},
 *       the ldconfig cache);
 *   <li>{@code $CUDA_HOME/lib64}, {@code /usr/local/nvidia/lib64}, {@code /usr/local/nvidia/lib},
 *       {@code /usr/local/cuda/lib64}, {@code /usr/lib/x86_64-linux-gnu}, {@code /usr/lib64},
 *       {@code /usr/lib/wsl/lib};
 *   <li>the {@code nvidia/cu13/lib}, {@code nvidia/cublas/lib} folders of Python wheels in the
 *       {@code site-packages} and {@code dist-packages} folders of {@code $VIRTUAL_ENV}, {@code
 *       $CONDA_PREFIX}, {@code /usr/lib}, {@code /usr/local/lib} and {@code ~/.local/lib}.
 * </ol>
 *
 * Libraries are loaded into the global arena and stay loaded. Stateless; any thread may call it.
 */
@SuppressWarnings("restricted") // FFM's native access: this class binds the CUDA libraries.
public final class CudaLibraries {
    /** System property: the CUDA driver library file to load (and no other). */
    public static final String DRIVER_PROPERTY = "vtrain.cuda.driver";

    /** System property: the cuBLAS library file to load (and no other). */
    public static final String CUBLAS_PROPERTY = "vtrain.cuda.cublas";

    /** System property: directories searched first for both libraries, separated by {@code :}. */
    public static final String PATH_PROPERTY = "vtrain.cuda.path";

    private static final List<String> DRIVER_NAMES = List.of("libcuda.so.1");
    private static final List<String> CUBLAS_NAMES = List.of("libcublas.so.13", "libcublas.so.12");

    private CudaLibraries() {}

    /**
     * A loaded library: its symbols and where it came from (a file, or the name the loader
     * resolved, with the file it mapped when {@code /proc/self/maps} shows it).
     */
    public record Loaded(SymbolLookup symbols, String origin) {}

    /**
     * Loads the CUDA driver.
     *
     * @throws IllegalStateException naming what was tried, when no candidate loads
     */
    public static Loaded driver() {
        return load("the CUDA driver", DRIVER_PROPERTY, DRIVER_NAMES);
    }

    /**
     * Loads cuBLAS.
     *
     * @throws IllegalStateException naming what was tried, when no candidate loads
     */
    public static Loaded cublas() {
        return load("cuBLAS", CUBLAS_PROPERTY, CUBLAS_NAMES);
    }

    private static Loaded load(String what, String fileProperty, List<String> names) {
        String file = System.getProperty(fileProperty);
        if (file != null && !file.isBlank()) {
            Path p = Path.of(file);
            if (!Files.isRegularFile(p)) {
                throw new IllegalStateException(
                        what + " not found: no file " + p + " (from -D" + fileProperty + ")");
            }
            return open(p, what, "-D" + fileProperty);
        }
        List<String> tried = new ArrayList<>();
        for (Path dir : directories(System.getProperty(PATH_PROPERTY))) {
            Loaded l = inDirectory(dir, names, tried);
            if (l != null) {
                return l;
            }
        }
        for (String name : names) {
            try {
                SymbolLookup s = SymbolLookup.libraryLookup(name, Arena.global());
                return new Loaded(s, name + mappedFile(name));
            } catch (IllegalArgumentException e) {
                tried.add(name);
            }
        }
        for (Path dir : directories(defaultPath())) {
            Loaded l = inDirectory(dir, names, tried);
            if (l != null) {
                return l;
            }
        }
        for (Path dir : wheelDirectories()) {
            Loaded l = inDirectory(dir, names, tried);
            if (l != null) {
                return l;
            }
        }
        throw new IllegalStateException(
                what
                        + " not found ("
                        + String.join(" or ", names)
                        + "; tried "
                        + summary(tried)
                        + ")");
    }

    private static Loaded inDirectory(Path dir, List<String> names, List<String> tried) {
        for (String name : names) {
            Path p = dir.resolve(name);
            if (Files.isRegularFile(p)) {
                try {
                    return new Loaded(SymbolLookup.libraryLookup(p, Arena.global()), p.toString());
                } catch (IllegalArgumentException e) {
                    tried.add(p + " (would not load)");
                }
            } else {
                tried.add(p.toString());
            }
        }
        return null;
    }

    private static Loaded open(Path p, String what, String source) {
        try {
            return new Loaded(SymbolLookup.libraryLookup(p, Arena.global()), p.toString());
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(
                    what + " in " + p + " (from " + source + ") would not load: " + e.getMessage(),
                    e);
        }
    }

    private static String defaultPath() {
        StringBuilder sb = new StringBuilder();
        String home = System.getenv("CUDA_HOME");
        if (home != null && !home.isBlank()) {
            sb.append(home).append("/lib64:");
        }
        sb.append(
                "/usr/local/nvidia/lib64:/usr/local/nvidia/lib:/usr/local/cuda/lib64"
                        + ":/usr/lib/x86_64-linux-gnu:/usr/lib64:/usr/lib/wsl/lib");
        return sb.toString();
    }

    private static List<Path> directories(String path) {
        List<Path> dirs = new ArrayList<>();
        if (path == null || path.isBlank()) {
            return dirs;
        }
        for (String d : path.split(":", -1)) {
            if (!d.isBlank()) {
                dirs.add(Path.of(d));
            }
        }
        return dirs;
    }

    /** The nvidia/cu13/lib and nvidia/cublas/lib folders of Python wheels that exist here. */
    private static List<Path> wheelDirectories() {
        List<Path> roots = new ArrayList<>();
        String home = System.getProperty("user.home", "");
        List<String> bases = new ArrayList<>();
        for (String env : List.of("VIRTUAL_ENV", "CONDA_PREFIX")) {
            String v = System.getenv(env);
            if (v != null && !v.isBlank()) {
                bases.add(v + "/lib");
            }
        }
        bases.addAll(
                List.of(
                        "/usr/lib",
                        "/usr/local/lib",
                        "/usr/lib64",
                        "/usr/local/lib64",
                        home + "/.local/lib"));
        for (String base : bases) {
            Path b = Path.of(base);
            if (!Files.isDirectory(b)) {
                continue;
            }
            try (var s = Files.list(b)) {
                s.filter(p -> p.getFileName().toString().startsWith("python3"))
                        .sorted()
                        .forEach(
                                p -> {
                                    roots.add(p.resolve("site-packages"));
                                    roots.add(p.resolve("dist-packages"));
                                });
            } catch (java.io.IOException | SecurityException e) {
                // An unreadable folder holds no wheels we could load.
            }
        }
        List<Path> dirs = new ArrayList<>();
        for (Path r : roots) {
            for (String sub : List.of("nvidia/cu13/lib", "nvidia/cublas/lib")) {
                Path d = r.resolve(sub);
                if (Files.isDirectory(d)) {
                    dirs.add(d);
                }
            }
        }
        return dirs;
    }

    /** " (/path/file)" when /proc/self/maps shows the file a soname resolved to, else "". */
    private static String mappedFile(String name) {
        String stem = "/" + name.substring(0, name.indexOf(".so") + 3);
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/maps"))) {
                int slash = line.indexOf('/');
                if (slash >= 0 && line.substring(slash).contains(stem)) {
                    return " (" + line.substring(slash).trim() + ")";
                }
            }
        } catch (java.io.IOException | SecurityException | java.io.UncheckedIOException e) {
            // Not Linux, or not readable: the name alone says enough.
        }
        return "";
    }

    private static String summary(List<String> tried) {
        if (tried.size() <= 4) {
            return String.join(", ", tried);
        }
        return String.join(", ", tried.subList(0, 4)) + " and " + (tried.size() - 4) + " more";
    }
}
