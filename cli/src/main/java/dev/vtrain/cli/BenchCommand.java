package dev.vtrain.cli;

import dev.vtrain.backend.Backend;
import dev.vtrain.backend.Backends;
import dev.vtrain.backend.cpu.CpuBackend;
import dev.vtrain.io.Json;
import dev.vtrain.peer.GemmProblem;
import dev.vtrain.peer.OpenBlas;
import dev.vtrain.train.SyntheticStep;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code vtrain bench}: a short benchmark of this machine — SGEMM in GFLOP/s (with OpenBLAS's
 * {@code cblas_sgemm} side by side when the library is installed) and full training steps in µs,
 * for 1 thread and all cores. Each figure is the median of timed rounds after a warm-up; JMH in
 * {@code bench/} gives the careful numbers.
 */
@Command(
        name = "bench",
        mixinStandardHelpOptions = true,
        description = "Quick benchmark: SGEMM GFLOP/s (vs OpenBLAS if installed), µs per step.")
final class BenchCommand implements Callable<Integer> {
    private static final String[] GEMM_SHAPES = {
        "256x256x256nn",
        "1024x1024x1024nn",
        "32x128x784nt",
        "128x256x784nt",
        "256x784x128tn",
        "128x784x256nn"
    };
    private static final String[] STEPS = {
        "784-128-10@32", "784-256-128-10@128", "784-1024-1024-10@256"
    };

    @Option(
            names = "--threads",
            split = ",",
            description = "Thread counts to measure (default: 1 and all available processors).")
    List<Integer> threads;

    @Option(
            names = "--seconds",
            defaultValue = "0.4",
            description =
                    "Timed seconds per figure, after at least as long a warm-up and until the JIT is idle"
                            + " (default: ${DEFAULT-VALUE}).")
    double seconds;

    @Option(names = "--json", description = "Print the results as JSON instead of tables.")
    boolean json;

    @Option(names = "--only", description = "Run only one part: gemm or steps (default: both).")
    String only;

    @Option(
            names = "--device",
            defaultValue = "cpu",
            description =
                    "cpu, or cuda: time the training steps on the GPU (and 784-4096-4096-10@1024"
                            + " too); the SGEMM comparison with OpenBLAS stays on the CPU"
                            + " (default: ${DEFAULT-VALUE}).")
    String device;

    /** The step sizes timed on the GPU: the CPU's, and one large enough to be cuBLAS-bound. */
    private static final String[] GPU_STEPS = {
        "784-128-10@32", "784-256-128-10@128", "784-1024-1024-10@256", "784-4096-4096-10@1024"
    };

    @Option(
            names = "--first-step",
            description =
                    "Only time JVM start to the end of the first training step (784-256-128-10,"
                            + " batch 128) and exit.")
    boolean firstStep;

    @Override
    public Integer call() throws Exception {
        if (firstStep) {
            return firstStep();
        }
        if (only != null && !only.equals("gemm") && !only.equals("steps")) {
            throw new UsageException("--only: expected gemm or steps, got '" + only + "'");
        }
        if (!(seconds > 0) || seconds > 60) {
            throw new UsageException("--seconds: expected a number in (0, 60], got " + seconds);
        }
        List<Integer> counts = threads;
        if (counts == null) {
            int cores = Runtime.getRuntime().availableProcessors();
            counts = cores > 1 ? List.of(1, cores) : List.of(1);
        }
        for (int t : counts) {
            if (t < 1) {
                throw new UsageException("--threads: expected counts ≥ 1, got " + t);
            }
        }
        List<Map<String, Object>> gemm = new ArrayList<>();
        List<Map<String, Object>> steps = new ArrayList<>();
        String backendName = "cpu";
        if (!device.equals("cpu") && !device.equals("cuda")) {
            throw new UsageException("--device: expected cpu or cuda, got '" + device + "'");
        }
        if (device.equals("cuda")) {
            BackendFlag.check("cuda");
            try (Backend backend = Backends.create("cuda", 1).backend()) {
                System.out.println("device: " + backend.description());
                for (String spec : GPU_STEPS) {
                    steps.add(stepRow(backend, spec, 1));
                }
            }
            counts = List.of(1);
            only = "steps";
            backendName = "cuda";
        }
        for (int t : device.equals("cuda") ? List.<Integer>of() : counts) {
            Backends.Selection sel = Backends.create("auto", t);
            try (Backend backend = sel.backend()) {
                backendName = backend.name();
                if (!"steps".equals(only)) {
                    for (String shape : GEMM_SHAPES) {
                        gemm.add(gemmRow(backend, shape, t));
                    }
                }
                if (!"gemm".equals(only)) {
                    for (String spec : STEPS) {
                        steps.add(stepRow(backend, spec, t));
                    }
                }
            }
        }
        Map<String, Object> env = Environment.describe(counts.get(counts.size() - 1), backendName);
        if (json) {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("environment", env);
            out.put("openblas", OpenBlas.problem() == null ? "libopenblas.so.0" : null);
            out.put("openblas_core", OpenBlas.coreName());
            out.put("gemm", gemm);
            out.put("train_step", steps);
            System.out.println(Json.write(out));
        } else {
            printTables(env, gemm, steps);
        }
        return 0;
    }

    /** Times JVM start to the end of one training step, as a service's first request sees it. */
    private int firstStep() {
        long t0 = System.nanoTime();
        int cores = Runtime.getRuntime().availableProcessors();
        try (Backend backend = Backends.create("auto", cores).backend();
                SyntheticStep step = new SyntheticStep("784-256-128-10@128", backend)) {
            step.step();
            long stepNanos = System.nanoTime() - t0;
            long sinceStart =
                    System.currentTimeMillis()
                            - ManagementFactory.getRuntimeMXBean().getStartTime();
            String line =
                    String.format(
                            Locale.ROOT,
                            "first step done %d ms after JVM start (setup and step %.1f ms, loss"
                                    + " %.4f)",
                            sinceStart,
                            stepNanos / 1e6,
                            step.lastLoss());
            System.out.println(
                    json
                            ? Json.write(
                                    Map.of(
                                            "ms_since_jvm_start",
                                            sinceStart,
                                            "setup_and_step_ms",
                                            round(stepNanos / 1e6)))
                            : line);
        }
        return 0;
    }

    private Map<String, Object> gemmRow(Backend backend, String shape, int t) throws Exception {
        try (GemmProblem p = new GemmProblem(backend, shape)) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("shape", shape);
            row.put("threads", t);
            double ns = medianNanos(() -> p.vtrain(backend));
            row.put("vtrain_gflops", round(p.flops() / ns));
            row.put("stable", lastStable);
            if (OpenBlas.problem() == null && backend instanceof CpuBackend) {
                call(() -> OpenBlas.threads(t));
                double blas = medianNanos(p::openblas);
                row.put("openblas_gflops", round(p.flops() / blas));
                row.put("openblas_stable", lastStable);
                row.put("ratio", round(blas / ns));
            }
            return row;
        }
    }

    private Map<String, Object> stepRow(Backend backend, String spec, int t) throws Exception {
        try (SyntheticStep step = new SyntheticStep(spec, backend)) {
            var bean = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            double ns = medianNanos(step::step);
            boolean stable = lastStable;
            long tid = Thread.currentThread().threadId();
            // Steady state, as the zero-allocation test defines it: windows of up to 50 steps until
            // three in a row allocate nothing (at most 20); the last window is reported.
            int probe = (int) Math.max(3, Math.min(50, seconds * 1e9 / 10 / ns));
            long allocated = 0;
            int zeroRun = 0;
            for (int w = 0; w < 20 && zeroRun < 3; w++) {
                long before = bean.getThreadAllocatedBytes(tid);
                for (int i = 0; i < probe; i++) {
                    step.step();
                }
                allocated = bean.getThreadAllocatedBytes(tid) - before;
                zeroRun = allocated == 0 ? zeroRun + 1 : 0;
            }
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("model", spec);
            row.put("threads", t);
            row.put("us_per_step", round(ns / 1e3));
            row.put("gemm_gflops", round(step.gemmFlops() / ns));
            row.put("bytes_per_step", allocated / probe);
            row.put("stable", stable);
            return row;
        }
    }

    /** Something to time. */
    interface Work {
        void run() throws Throwable;
    }

    /**
     * Warms up for {@link #seconds}, then times rounds of about a tenth of that and returns the
     * median nanoseconds per call.
     */
    private double medianNanos(Work work) throws Exception {
        double[] result = new double[1];
        call(() -> result[0] = timed(work));
        return result[0];
    }

    /** Runs {@code work}, passing on exceptions and errors and wrapping anything else. */
    private static void call(Work work) throws Exception {
        try {
            work.run();
        } catch (Exception | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** Windows of timed rounds tried before a figure is called unstable. */
    private static final int MAX_WINDOWS = 8;

    /** Two consecutive window medians within this fraction of each other: stable. */
    private static final double STABLE_WITHIN = 0.05;

    /** Warm-up budgets, beyond the first, spent waiting for the JIT to go quiet. */
    private static final int MAX_EXTRA_WARMUPS = 10;

    /** Milliseconds the JIT has spent compiling in this JVM, or -1 where that is not measured. */
    private static long jitMillis() {
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        return jit != null && jit.isCompilationTimeMonitoringSupported()
                ? jit.getTotalCompilationTime()
                : -1;
    }

    /**
     * Warms up for {@link #seconds} and then for as long as the JIT keeps compiling (a tenth of
     * {@link #seconds} at a time, at most {@value #MAX_EXTRA_WARMUPS} more times {@link #seconds}):
     * a kernel still queued for C2 runs its boxed fallback, many times slower. Then times windows
     * of 10 rounds (each about a tenth of {@link #seconds}) until two consecutive windows' medians
     * agree within 5% with the JIT idle during the second — the figure is steady — or {@value
     * #MAX_WINDOWS} windows have run; returns the last window's median nanoseconds per call and
     * records whether it was stable.
     */
    private double timed(Work work) throws Throwable {
        long budget = (long) (seconds * 1e9);
        long start = System.nanoTime();
        long calls = 0;
        while (System.nanoTime() - start < budget || calls < 3) {
            work.run();
            calls++;
        }
        double perCall = (System.nanoTime() - start) / (double) calls;
        long quietBy = System.nanoTime() + MAX_EXTRA_WARMUPS * budget;
        long compiled = jitMillis();
        while (compiled >= 0 && System.nanoTime() < quietBy) {
            long sliceStart = System.nanoTime();
            while (System.nanoTime() - sliceStart < budget / 10) {
                work.run();
            }
            long now = jitMillis();
            if (now == compiled) {
                break;
            }
            compiled = now;
        }
        int perRound = (int) Math.max(1, budget / 10.0 / perCall);
        double previous = Double.NaN;
        double median = Double.NaN;
        for (int w = 0; w < MAX_WINDOWS; w++) {
            long jitBefore = jitMillis();
            double[] rounds = new double[10];
            for (int r = 0; r < rounds.length; r++) {
                long t0 = System.nanoTime();
                for (int i = 0; i < perRound; i++) {
                    work.run();
                }
                rounds[r] = (System.nanoTime() - t0) / (double) perRound;
            }
            java.util.Arrays.sort(rounds);
            median = (rounds[4] + rounds[5]) / 2;
            boolean jitIdle = jitMillis() == jitBefore;
            if (jitIdle
                    && Math.abs(median - previous) <= STABLE_WITHIN * Math.min(median, previous)) {
                lastStable = true;
                return median;
            }
            previous = median;
        }
        lastStable = false;
        return median;
    }

    private boolean lastStable;

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }

    /** A figure, with "*" when it did not settle (see the footnote). */
    private static String mark(String figure, Object stable) {
        return Boolean.FALSE.equals(stable) ? figure + "*" : figure;
    }

    private static void printTables(
            Map<String, Object> env,
            List<Map<String, Object>> gemm,
            List<Map<String, Object>> steps) {
        System.out.println(
                "CPU: "
                        + env.get("cpu")
                        + "; SIMD "
                        + env.get("simd_bits")
                        + "-bit; JDK "
                        + env.get("jdk"));
        System.out.println(
                OpenBlas.problem() == null
                        ? "OpenBLAS: libopenblas.so.0 (cblas_sgemm, same JVM), kernel "
                                + OpenBlas.coreName()
                        : "OpenBLAS: " + OpenBlas.problem());
        Object bits = env.get("simd_bits");
        String better = bits instanceof Number n ? OpenBlas.betterCoreType(n.intValue()) : null;
        if (better != null) {
            System.out.println(
                    "OpenBLAS runs its generic kernel on this CPU; for its best, rerun with"
                            + " OPENBLAS_CORETYPE="
                            + better
                            + " ./vtrain bench (it applies to the peer only)");
        }
        if (!gemm.isEmpty()) {
            System.out.println();
            System.out.println(
                    String.format(
                            Locale.ROOT,
                            "%-18s %7s %14s %16s %7s",
                            "SGEMM m×n×k op",
                            "threads",
                            "vtrain GFLOP/s",
                            "OpenBLAS GFLOP/s",
                            "ratio"));
            for (Map<String, Object> r : gemm) {
                System.out.println(
                        String.format(
                                Locale.ROOT,
                                "%-18s %7d %14.1f %16s %7s",
                                r.get("shape"),
                                (Integer) r.get("threads"),
                                (Double) r.get("vtrain_gflops"),
                                r.containsKey("openblas_gflops")
                                        ? String.format(
                                                Locale.ROOT,
                                                "%.1f",
                                                (Double) r.get("openblas_gflops"))
                                        : "-",
                                r.containsKey("ratio")
                                        ? String.format(
                                                Locale.ROOT, "%.2f×", (Double) r.get("ratio"))
                                        : "-"));
            }
        }
        if (!steps.isEmpty()) {
            System.out.println();
            System.out.println(
                    String.format(
                            Locale.ROOT,
                            "%-22s %7s %12s %14s %10s",
                            "Train step (Adam)",
                            "threads",
                            "µs/step",
                            "GEMM GFLOP/s",
                            "B/step"));
            for (Map<String, Object> r : steps) {
                System.out.println(
                        String.format(
                                Locale.ROOT,
                                "%-22s %7d %12s %14.1f %10d",
                                r.get("model"),
                                (Integer) r.get("threads"),
                                mark(
                                        String.format(
                                                Locale.ROOT, "%.1f", (Double) r.get("us_per_step")),
                                        r.get("stable")),
                                (Double) r.get("gemm_gflops"),
                                (Long) r.get("bytes_per_step")));
            }
        }
        boolean unstable =
                java.util.stream.Stream.concat(gemm.stream(), steps.stream())
                        .anyMatch(r -> Boolean.FALSE.equals(r.get("stable")));
        if (unstable) {
            System.out.println();
            System.out.printf(
                    Locale.ROOT,
                    "* not stable: %d windows of 10 rounds never agreed within %.0f%%; rerun with a"
                            + " larger --seconds, on an idle machine%n",
                    MAX_WINDOWS,
                    100 * STABLE_WITHIN);
        }
    }
}
