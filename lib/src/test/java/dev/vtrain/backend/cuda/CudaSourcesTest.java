package dev.vtrain.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The CUDA C sources and the committed PTX: every kernel the backend launches is an entry of its
 * module's PTX; with {@code nvcc} present, the sources compile for sm_80 and sm_90 and the
 * committed PTX is what {@code tools/cuda/build-ptx.sh} makes from them (under the same nvcc
 * release).
 */
@org.junit.jupiter.api.Tag("cuda")
class CudaSourcesTest {
    private static final Path SOURCES = Path.of("src", "main", "cuda");

    private static String committedPtx(String module) throws IOException {
        try (InputStream in = CudaContext.class.getResourceAsStream(module + ".ptx")) {
            assertTrue(in != null, module + ".ptx is not on the class path");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static java.util.Set<String> entries(String ptx) {
        TreeSet<String> names = new TreeSet<>();
        int at = 0;
        while ((at = ptx.indexOf(".entry ", at)) >= 0) {
            at += 7;
            names.add(ptx.substring(at, ptx.indexOf('(', at)).trim());
        }
        return names;
    }

    @Test
    void everyKernelIsAnEntryOfItsModule() throws IOException {
        TreeSet<String> launched = new TreeSet<>();
        TreeSet<String> inPtx = new TreeSet<>();
        for (String module : List.of("core", "updates", "conv", "norm")) {
            java.util.Set<String> e = entries(committedPtx(module));
            inPtx.addAll(e);
            for (Kernel k : Kernel.values()) {
                if (k.module().equals(module)) {
                    assertTrue(e.contains(k.entry()), k.entry() + " is not in " + module + ".ptx");
                    launched.add(k.entry());
                }
            }
        }
        assertEquals(inPtx, launched, "PTX entries the backend never launches");
    }

    private static String nvcc() {
        try {
            Process p = new ProcessBuilder("nvcc", "--version").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            return p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0 ? out : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private static String run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "nvcc timed out: " + command);
        assertEquals(0, p.exitValue(), String.join(" ", command) + "\n" + out);
        return out;
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"sm_80", "sm_90"})
    void sourcesCompileForTheGpusOfTheIssue(String arch, @TempDir Path dir) throws Exception {
        assumeTrue(nvcc() != null, "nvcc is not installed here");
        for (String module : List.of("core", "updates", "conv", "norm")) {
            run(
                    List.of(
                            "nvcc",
                            "-arch=" + arch,
                            "-cubin",
                            "-o",
                            dir.resolve(module + ".cubin").toString(),
                            SOURCES.resolve(module + ".cu").toString()));
            assertTrue(Files.size(dir.resolve(module + ".cubin")) > 0);
        }
    }

    @Test
    void committedPtxIsWhatTheBuildScriptMakes(@TempDir Path dir) throws Exception {
        String version = nvcc();
        assumeTrue(version != null, "nvcc is not installed here");
        List<String> mismatched = new ArrayList<>();
        for (String module : List.of("core", "updates", "conv", "norm")) {
            String committed = committedPtx(module);
            String release = versionLine(committed);
            assumeTrue(
                    version.contains(release.replace("// Cuda compilation tools, ", "")),
                    () -> "the PTX was made by '" + release + "', this nvcc is another release");
            Path out = dir.resolve(module + ".ptx");
            run(
                    List.of(
                            "nvcc",
                            "-arch=compute_75",
                            "--ptx",
                            "-o",
                            out.toString(),
                            SOURCES.resolve(module + ".cu").toString()));
            if (!Files.readString(out).equals(committed)) {
                mismatched.add(module);
            }
        }
        assertEquals(
                List.of(),
                mismatched,
                "committed PTX differs from its source: run tools/cuda/build-ptx.sh");
    }

    private static String versionLine(String ptx) {
        for (String line : ptx.lines().toList()) {
            if (line.startsWith("// Cuda compilation tools")) {
                return line.trim();
            }
        }
        return "unknown";
    }
}
