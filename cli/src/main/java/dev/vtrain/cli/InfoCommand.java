package dev.vtrain.cli;

import dev.vtrain.backend.Backend;
import dev.vtrain.backend.Backends;
import dev.vtrain.backend.VectorProbe;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code vtrain info}: JDK, SIMD species, cores, and the backend that would be chosen and why. */
@Command(
        name = "info",
        mixinStandardHelpOptions = true,
        description = "Show JDK, SIMD width, cores and the backend chosen.")
final class InfoCommand implements Callable<Integer> {
    @Option(
            names = {"--device", "--backend"},
            defaultValue = "auto",
            description =
                    "Backend to describe: auto, cpu, cuda or scalar (default: ${DEFAULT-VALUE}).")
    String backend;

    @Option(names = "--threads", description = "Threads (default: all available processors).")
    Integer threads;

    @Option(
            names = "--no-probe",
            description = "Skip the run-time check that the Vector API kernels are intrinsified.")
    boolean noProbe;

    @Override
    public Integer call() {
        int t = ThreadCount.resolve(threads);
        Backends.Selection s = BackendFlag.create(backend, t);
        try (Backend b = s.backend()) {
            Map<String, Object> env = Environment.describe(t, b.name());
            System.out.println("vtrain " + new Main.Version().getVersion()[0].substring(7));
            System.out.println("JDK:      " + env.get("jdk"));
            System.out.println("OS:       " + env.get("os"));
            System.out.println(
                    "CPU:      " + env.get("cpu") + ", " + env.get("cores") + " cores available");
            int bits = (int) env.get("simd_bits");
            System.out.println(
                    "SIMD:     "
                            + (bits == 0
                                    ? "Vector API unavailable (jdk.incubator.vector not loaded)"
                                    : "FloatVector.SPECIES_PREFERRED = "
                                            + bits
                                            + "-bit ("
                                            + bits / 32
                                            + " floats)"));
            System.out.println("Backend:  " + b.name() + " — " + b.description());
            System.out.println("Why:      " + s.reason());
            // The CUDA start-up probe, step by step: what --device auto would use for training.
            dev.vtrain.backend.cuda.CudaProbe.Result gpu =
                    dev.vtrain.backend.cuda.CudaProbe.cached();
            String label = "GPU:      ";
            for (String line : gpu.details()) {
                System.out.println(label + line);
                label = "          ";
            }
            if (gpu.details().isEmpty()) {
                System.out.println(label + gpu.reason());
            }
            if (!noProbe && b.name().equals("cpu")) {
                VectorProbe.Result r = VectorProbe.run(2_000_000_000L);
                System.out.println("Check:    " + r.summary());
                if (!r.intrinsified()) {
                    System.out.println(
                            "          the Vector API kernels run slowly on this JVM; use --backend"
                                    + " scalar");
                }
            }
        }
        return 0;
    }
}
