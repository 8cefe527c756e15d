package dev.vtrain.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Outputs are checked before work, nothing is created that was not asked for, files follow umask.
 */
class SafeOutputsCliTest {
    @Test
    void outputsAreCheckedBeforeAnyWorkAndNoDirectoryIsCreated(@TempDir Path dir) {
        Path missing = dir.resolve("not-made").resolve("m.safetensors");
        CliRun.Result r = CliRun.run("train", "--save", missing.toString());
        assertEquals(2, r.code());
        assertFalse(r.out().contains("data:"), "refused before the data is read: " + r.out());
        assertTrue(r.err().contains("does not exist"), r.err());
        assertFalse(Files.exists(missing.getParent()), "no directory is created");
        CliRun.Result p =
                CliRun.run(
                        "predict",
                        "--model",
                        dir.resolve("m.safetensors").toString(),
                        "--data",
                        dir.resolve("x.csv").toString(),
                        "--out",
                        missing.toString());
        assertEquals(2, p.code(), p.err());
        assertFalse(Files.exists(missing.getParent()), "predict --out creates no directory");
        CliRun.Result d = CliRun.run("train", "--report", dir.toString());
        assertEquals(2, d.code());
        assertTrue(d.err().contains("found a directory"), d.err());
    }

    @Test
    void writtenFilesFollowTheUmaskLikeAnyOtherNewFile(@TempDir Path dir) throws Exception {
        Path model = dir.resolve("m.safetensors");
        Path report = dir.resolve("r.json");
        CliRun.Result r =
                CliRun.run(
                        "train",
                        "--epochs",
                        "1",
                        "--save",
                        model.toString(),
                        "--report",
                        report.toString());
        assertEquals(0, r.code(), r.err());
        Path plain = Files.createFile(dir.resolve("plain")); // permissions from the umask
        Set<PosixFilePermission> expected = Files.getPosixFilePermissions(plain);
        assertEquals(expected, Files.getPosixFilePermissions(model));
        assertEquals(expected, Files.getPosixFilePermissions(report));
    }

    @Test
    void predictMatchesColumnsByNameAndEvalTakesASubsetOfClasses(@TempDir Path dir)
            throws Exception {
        Path data = TestCsv.threeClasses(dir, "d.csv", 300, 3);
        Path model = dir.resolve("m.safetensors");
        assertEquals(
                0,
                CliRun.run(
                                "train",
                                "--data",
                                data.toString(),
                                "--epochs",
                                "5",
                                "--save",
                                model.toString())
                        .code());
        List<String> lines = Files.readAllLines(data);
        // The same rows with columns reordered (and an extra id column): identical predictions.
        StringBuilder swapped = new StringBuilder("id,class,c,b,a\n");
        for (int i = 1; i <= 20; i++) {
            String[] f = lines.get(i).split(",", -1);
            swapped.append(i)
                    .append(',')
                    .append(f[3])
                    .append(',')
                    .append(f[2])
                    .append(',')
                    .append(f[1])
                    .append(',')
                    .append(f[0])
                    .append('\n');
        }
        Path reordered = dir.resolve("reordered.csv");
        Files.writeString(reordered, swapped.toString());
        CliRun.Result original =
                CliRun.run("predict", "--model", model.toString(), "--data", data.toString());
        CliRun.Result byName =
                CliRun.run("predict", "--model", model.toString(), "--data", reordered.toString());
        assertEquals(0, byName.code(), byName.err());
        assertTrue(byName.err().contains("ignoring column id"), byName.err());
        List<String> a = original.out().lines().toList().subList(0, 21);
        assertEquals(a, byName.out().lines().toList(), "columns are matched by name");
        // Only two of the three classes in the data: eval maps them by name.
        StringBuilder subset = new StringBuilder(lines.get(0)).append('\n');
        for (String l : lines.subList(1, lines.size())) {
            if (!l.endsWith(",blue")) {
                subset.append(l).append('\n');
            }
        }
        Path two = dir.resolve("two.csv");
        Files.writeString(two, subset.toString());
        CliRun.Result e =
                CliRun.run(
                        "eval",
                        "--model",
                        model.toString(),
                        "--data",
                        two.toString(),
                        "--split",
                        "all");
        assertEquals(0, e.code(), e.err());
        assertTrue(e.out().contains("blue") && e.out().contains("green"), e.out());
    }

    /** 40 epochs of regression on {@code data}, with {@code extra} flags. */
    private static CliRun.Result regression(Path data, String... extra) {
        java.util.List<String> args =
                new java.util.ArrayList<>(
                        List.of(
                                "train",
                                "--data",
                                data.toString(),
                                "--task",
                                "regression",
                                "--epochs",
                                "40"));
        args.addAll(List.of(extra));
        return CliRun.run(args.toArray(String[]::new));
    }

    @Test
    void regressionTargetsAreStandardisedAndPredictionsMappedBack(@TempDir Path dir)
            throws Exception {
        Path data = TestCsv.largeTargets(dir, "r.csv", 300, 5);
        Path model = dir.resolve("r.safetensors");
        CliRun.Result t = regression(data, "--save", model.toString());
        assertEquals(0, t.code(), t.err());
        double r2 = Double.parseDouble(t.out().replaceAll("(?s).*r2 (-?[0-9.]+).*", "$1"));
        assertTrue(r2 > 0.98, "r2 " + r2 + " with standardised targets: " + t.out());
        CliRun.Result none = regression(data, "--target-scaling", "none");
        double raw = Double.parseDouble(none.out().replaceAll("(?s).*r2 (-?[0-9.]+).*", "$1"));
        assertTrue(raw < r2, "unscaled targets train worse: r2 " + raw);
        CliRun.Result p =
                CliRun.run("predict", "--model", model.toString(), "--data", data.toString());
        assertEquals(0, p.code(), p.err());
        double first = Double.parseDouble(p.out().lines().skip(1).findFirst().orElseThrow());
        String[] row = Files.readAllLines(data).get(1).split(",", -1);
        double target = Double.parseDouble(row[2]);
        assertEquals(target, first, 0.1 * target, "predictions are in the targets' units");
    }
}
