package dev.vtrain.backend;

import dev.vtrain.backend.scalar.ScalarBackend;
import dev.vtrain.jfr.BackendSelectionEvent;
import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Chooses a backend by name ({@code auto}, {@code cpu}, {@code scalar}; {@code auto} unless the
 * system property {@code vtrain.backend} says otherwise) and records why. Stateless apart from an
 * atomic once-per-JVM warning flag; any thread may call it. A backend it creates is used by one
 * thread at a time (see {@link Backend}).
 */
public final class Backends {
    /** System property naming the backend to use when the caller asks for {@code auto}. */
    public static final String PROPERTY = "vtrain.backend";

    private static final AtomicBoolean WARNED = new AtomicBoolean();

    private Backends() {}

    /** A chosen backend and the reason it was chosen. The caller owns (closes) the backend. */
    public record Selection(Backend backend, String reason) {}

    /**
     * Creates the backend named {@code name} with {@code threads} threads. When {@code auto} falls
     * back to the scalar backend (no {@code --add-modules jdk.incubator.vector}, C2 off, ...), it
     * says so once per JVM through {@link System.Logger} (logger {@code
     * dev.vtrain.backend.Backends}, level WARNING) naming the missing flag; {@link
     * Selection#reason()} holds the same reason. Any thread may call it.
     *
     * @throws IllegalArgumentException for an unknown name, a bad thread count, or {@code cpu} when
     *     the Vector API module is missing
     */
    public static Selection create(String name, int threads) {
        BackendSelectionEvent event = new BackendSelectionEvent();
        event.begin();
        Selection s = choose(name, threads);
        if (s.reason().startsWith("scalar: ") && WARNED.compareAndSet(false, true)) {
            System.getLogger(Backends.class.getName())
                    .log(
                            System.Logger.Level.WARNING,
                            "vtrain runs on the scalar reference backend, 10-100x slower: "
                                    + s.reason().substring("scalar: ".length())
                                    + ". Backends.create(...).reason() says the same.");
        }
        event.end();
        if (event.shouldCommit()) {
            event.requested = name;
            event.backend = s.backend().description();
            event.reason = s.reason();
            event.threads = threads;
            event.commit();
        }
        return s;
    }

    private static Selection choose(String name, int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException(
                    "Invalid thread count: " + threads + " (must be ≥ 1)");
        }
        String requested = name == null ? "auto" : name.toLowerCase(Locale.ROOT);
        if (requested.equals("auto")) {
            String prop = System.getProperty(PROPERTY);
            if (prop != null && !prop.isBlank() && !prop.equalsIgnoreCase("auto")) {
                Selection s = choose(prop, threads);
                return new Selection(s.backend(), s.reason() + " (from -D" + PROPERTY + ")");
            }
        }
        return switch (requested) {
            case "scalar" -> new Selection(new ScalarBackend(), "scalar requested");
            case "cpu" -> {
                String missing = vectorApiProblem();
                if (missing != null && missing.startsWith("module")) {
                    throw new IllegalArgumentException(
                            "Backend cpu needs the Vector API: " + missing);
                }
                yield new Selection(CpuHolder.create(threads), "cpu requested");
            }
            case "auto" -> {
                String problem = vectorApiProblem();
                if (problem != null) {
                    yield new Selection(new ScalarBackend(), "scalar: " + problem);
                }
                yield new Selection(
                        CpuHolder.create(threads),
                        "cpu: Vector API present and C2 compiler active");
            }
            default ->
                    throw new IllegalArgumentException(
                            "Unknown backend '" + name + "' (expected one of: auto, cpu, scalar)");
        };
    }

    /**
     * Why Vector API kernels would not run at SIMD speed here, or null if they should: the
     * incubator module is not in the boot layer, or no optimizing (C2) compiler will compile them.
     */
    public static String vectorApiProblem() {
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            return "module jdk.incubator.vector is not loaded (start java with --add-modules"
                    + " jdk.incubator.vector)";
        }
        String vmInfo = System.getProperty("java.vm.info", "");
        if (vmInfo.contains("interpreted mode")) {
            return "the JVM runs interpreted (-Xint); Vector API code would be 100× slower";
        }
        List<String> args = ManagementFactory.getRuntimeMXBean().getInputArguments();
        for (String a : args) {
            if (a.startsWith("-XX:TieredStopAtLevel=")) {
                String level = a.substring(a.indexOf('=') + 1);
                if (!level.equals("4")) {
                    return "C2 is disabled (" + a + "); Vector API code would not be intrinsified";
                }
            }
            if (a.equals("-XX:-UseCompiler") || a.equals("-Xint")) {
                return "the JIT is disabled (" + a + ")";
            }
        }
        if (ManagementFactory.getCompilationMXBean() == null) {
            return "no JIT compiler";
        }
        // The flags' effective values, however they were set (command line, JAVA_TOOL_OPTIONS,
        // argument files, JDK_JAVA_OPTIONS).
        String level = vmOption("TieredStopAtLevel");
        String tiered = vmOption("TieredCompilation");
        if (level != null && !level.equals("4") && !"false".equals(tiered)) {
            return "C2 is disabled (TieredStopAtLevel="
                    + level
                    + "); Vector API code would not be intrinsified";
        }
        if ("false".equals(vmOption("UseCompiler"))) {
            return "the JIT is disabled (UseCompiler=false)";
        }
        if ("true".equals(vmOption("UseJVMCICompiler"))) {
            return "the JIT is a JVMCI compiler (UseJVMCICompiler=true), which may not intrinsify"
                    + " the Vector API";
        }
        if ("false".equals(vmOption("EnableVectorSupport"))) {
            return "Vector API intrinsics are off (EnableVectorSupport=false)";
        }
        String maxVector = vmOption("MaxVectorSize");
        if (maxVector != null && Long.parseLong(maxVector) < 16) {
            return "vectors are limited to "
                    + maxVector
                    + " bytes (MaxVectorSize), narrower than 128 bits";
        }
        return null;
    }

    /** A HotSpot flag's value, or null when the JVM has no such flag (or is not HotSpot). */
    private static String vmOption(String name) {
        try {
            return ManagementFactory.getPlatformMXBean(
                            com.sun.management.HotSpotDiagnosticMXBean.class)
                    .getVMOption(name)
                    .getValue();
        } catch (IllegalArgumentException | UnsupportedOperationException | LinkageError e) {
            return null;
        }
    }

    /** Keeps the Vector API classes unloaded until the CPU backend is actually chosen. */
    private static final class CpuHolder {
        static Backend create(int threads) {
            return new dev.vtrain.backend.cpu.CpuBackend(threads);
        }
    }
}
