package dev.vtrain.backend;

import dev.vtrain.backend.scalar.ScalarBackend;
import dev.vtrain.jfr.BackendSelectionEvent;
import dev.vtrain.nn.LayerSpec;
import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Chooses a backend by name ({@code auto}, {@code cpu}, {@code scalar}, {@code cuda}; {@code auto}
 * unless the system property {@code vtrain.backend} says otherwise) and records why. {@code auto}
 * means the best host backend ({@code cpu}, or {@code scalar} where the Vector API cannot run);
 * with a model's {@link LayerSpec} ({@link #create(String, int, LayerSpec)}) it means the GPU when
 * the CUDA start-up probe passes and the GPU implements every layer of the model. Stateless apart
 * from an atomic once-per-JVM warning flag and the probe's once-per-JVM result; any thread may call
 * it. A backend it creates is used by one thread at a time (see {@link Backend}).
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
        return create(name, threads, null);
    }

    /**
     * As {@link #create(String, int)}, but {@code auto} picks the CUDA backend when its start-up
     * probe passes and it implements every layer of {@code model} (null: no model, host only);
     * otherwise the host backend, with the reason the GPU was passed over in {@link
     * Selection#reason()}. {@code cuda} without a usable GPU is an {@link IllegalArgumentException}
     * carrying the probe's reason.
     */
    public static Selection create(String name, int threads, LayerSpec model) {
        BackendSelectionEvent event = new BackendSelectionEvent();
        event.begin();
        Selection s = choose(name, threads, model);
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

    private static Selection choose(String name, int threads, LayerSpec model) {
        if (threads < 1) {
            throw new IllegalArgumentException(
                    "Invalid thread count: " + threads + " (must be ≥ 1)");
        }
        String requested = name == null ? "auto" : name.toLowerCase(Locale.ROOT);
        if (requested.equals("auto")) {
            String prop = System.getProperty(PROPERTY);
            if (prop != null && !prop.isBlank() && !prop.equalsIgnoreCase("auto")) {
                Selection s = choose(prop, threads, model);
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
            case "cuda" -> new Selection(CudaHolder.open(), "cuda requested");
            case "auto" -> {
                String gpu = model == null ? null : CudaHolder.whyNot(model);
                if (model != null && gpu == null) {
                    yield new Selection(CudaHolder.open(), "cuda: passed the start-up probe");
                }
                String host = gpu == null ? "" : "; not the GPU: " + gpu;
                String problem = vectorApiProblem();
                if (problem != null) {
                    yield new Selection(new ScalarBackend(), "scalar: " + problem + host);
                }
                yield new Selection(
                        CpuHolder.create(threads),
                        "cpu: Vector API present and C2 compiler active" + host);
            }
            default ->
                    throw new IllegalArgumentException(
                            "Unknown backend '"
                                    + name
                                    + "' (expected one of: auto, cpu, scalar, cuda)");
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

    /** Keeps the CUDA classes unloaded until a GPU is asked for. */
    private static final class CudaHolder {
        static Backend open() {
            dev.vtrain.backend.cuda.CudaProbe.Result probe =
                    dev.vtrain.backend.cuda.CudaProbe.cached();
            if (!probe.usable()) {
                throw new IllegalArgumentException(probe.reason());
            }
            return dev.vtrain.backend.cuda.CudaBackend.open();
        }

        /** Why auto does not use the GPU for {@code model}, or null when it does. */
        static String whyNot(LayerSpec model) {
            dev.vtrain.backend.cuda.CudaProbe.Result probe =
                    dev.vtrain.backend.cuda.CudaProbe.cached();
            if (!probe.usable()) {
                return probe.reason();
            }
            String missing = dev.vtrain.backend.cuda.CudaBackend.unsupportedLayers(model);
            return missing == null ? null : "the CUDA backend has no " + missing + " yet";
        }
    }

    /** Keeps the Vector API classes unloaded until the CPU backend is actually chosen. */
    private static final class CpuHolder {
        static Backend create(int threads) {
            return new dev.vtrain.backend.cpu.CpuBackend(threads);
        }
    }
}
