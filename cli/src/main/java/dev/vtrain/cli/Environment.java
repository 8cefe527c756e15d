package dev.vtrain.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** Facts about the machine and JVM, for {@code vtrain info} and run reports. */
final class Environment {
    private Environment() {}

    static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException | RuntimeException e) {
            // Not Linux, or not readable: fall through to the architecture name.
        }
        return System.getProperty("os.arch");
    }

    static String jdk() {
        return System.getProperty("java.vm.vendor")
                + " "
                + System.getProperty("java.vm.name")
                + " "
                + Runtime.version();
    }

    /** Vector bits of the preferred float species, or 0 when the Vector API module is absent. */
    static int simdBits() {
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            return 0;
        }
        return dev.vtrain.backend.cpu.CpuBackend.vectorBits();
    }

    static Map<String, Object> describe(int threads, String backend) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("jdk", jdk());
        m.put(
                "os",
                System.getProperty("os.name")
                        + " "
                        + System.getProperty("os.version")
                        + " "
                        + System.getProperty("os.arch"));
        m.put("cpu", cpuModel());
        m.put("cores", Runtime.getRuntime().availableProcessors());
        m.put("simd_bits", simdBits());
        m.put("threads", threads);
        m.put("backend", backend);
        return m;
    }
}
