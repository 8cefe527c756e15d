package dev.vtrain.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vtrain.io.Json;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line end to end, in-process: exit codes, one-line errors, report, save and eval. */
class CliTest {
    private record Result(int code, String out, String err) {}

    private static synchronized Result run(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = Main.run(args);
            return new Result(
                    code,
                    out.toString(StandardCharsets.UTF_8),
                    err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    @Test
    void trainWritesReportAndModelThatEvalReproduces(@TempDir Path dir) throws Exception {
        Path report = dir.resolve("r.json");
        Path model = dir.resolve("m.safetensors");
        Result r =
                run(
                        "train",
                        "--epochs",
                        "3",
                        "--threads",
                        "1",
                        "--report",
                        report.toString(),
                        "--save",
                        model.toString());
        assertEquals(0, r.code(), r.err());
        Map<?, ?> json = (Map<?, ?>) Json.parse(Files.readString(report));
        double acc = ((Number) json.get("test_accuracy")).doubleValue();
        assertTrue(acc > 0.8, "test accuracy " + acc);
        assertEquals(3, ((List<?>) json.get("history")).size());
        assertTrue(
                json.containsKey("environment")
                        && json.containsKey("training_seconds")
                        && json.containsKey("config"));
        Result e = run("eval", "--model", model.toString(), "--threads", "1", "--json");
        assertEquals(0, e.code(), e.err());
        Map<?, ?> evaluated = (Map<?, ?>) Json.parse(e.out());
        assertEquals(
                acc,
                ((Number) evaluated.get("accuracy")).doubleValue(),
                1e-12,
                "eval reproduces training's figure");
        assertEquals(10, ((List<?>) evaluated.get("confusion_matrix")).size());
        Result tables = run("eval", "--model", model.toString(), "--threads", "1");
        assertTrue(
                tables.out().contains("macro avg") && tables.out().contains("confusion matrix"),
                tables.out());
    }

    @Test
    void badFlagsGiveOneLineAndExitTwo() {
        Result r = run("train", "--epochs", "many");
        assertEquals(2, r.code());
        assertTrue(
                r.err()
                        .startsWith(
                                "vtrain: Invalid value for option '--epochs': 'many' is not an int"),
                r.err());
        assertEquals(2, r.err().strip().lines().count(), r.err());
    }

    @Test
    void badValuesAndDataGiveOneLineAndExitOne(@TempDir Path dir) throws Exception {
        assertEquals(
                "vtrain: Invalid --hidden '12,x': expected comma-separated layer sizes such as 256,128",
                run("train", "--hidden", "12,x").err().strip());
        Path csv = dir.resolve("bad.csv");
        Files.writeString(csv, "a,b,label\n1,2,x\n3,oops,y\n");
        Result r = run("train", "--data", csv.toString());
        assertEquals(1, r.code());
        assertEquals(
                "vtrain: " + csv + ":3: column 'b': expected a number but found 'oops'",
                r.err().strip());
        Path notModel = dir.resolve("m.safetensors");
        Files.write(notModel, new byte[] {1, 2, 3});
        assertEquals(1, run("eval", "--model", notModel.toString()).code());
    }

    @Test
    void infoNamesTheBackendAndWhy() {
        Result r = run("info");
        assertEquals(0, r.code());
        assertTrue(r.out().contains("Backend:  cpu") && r.out().contains("Why:"), r.out());
    }

    @Test
    void regressionTaskEndToEnd(@TempDir Path dir) throws Exception {
        Path csv = dir.resolve("line.csv");
        StringBuilder sb = new StringBuilder("x1,x2,target\n");
        java.util.SplittableRandom rng = new java.util.SplittableRandom(1);
        for (int i = 0; i < 400; i++) {
            double a = rng.nextDouble() * 4 - 2;
            double b = rng.nextDouble() * 4 - 2;
            sb.append(a)
                    .append(',')
                    .append(b)
                    .append(',')
                    .append(3 * a - 2 * b + 1 + rng.nextGaussian() * 0.05)
                    .append('\n');
        }
        Files.writeString(csv, sb.toString());
        Path report = dir.resolve("r.json");
        Path model = dir.resolve("m.safetensors");
        Result r =
                run(
                        "train",
                        "--data",
                        csv.toString(),
                        "--task",
                        "regression",
                        "--hidden",
                        "none",
                        "--optimizer",
                        "sgd",
                        "--momentum",
                        "0",
                        "--lr",
                        "0.05",
                        "--epochs",
                        "30",
                        "--report",
                        report.toString(),
                        "--save",
                        model.toString());
        assertEquals(0, r.code(), r.err());
        Map<?, ?> test = (Map<?, ?>) ((Map<?, ?>) Json.parse(Files.readString(report))).get("test");
        assertTrue(((Number) test.get("r2")).doubleValue() > 0.99, "R² " + test);
        Result e = run("eval", "--model", model.toString(), "--json");
        assertEquals(0, e.code(), e.err());
        assertTrue(((Map<?, ?>) Json.parse(e.out())).containsKey("mae"));
    }

    @Test
    void plotAndHistoryFilesAreWritten(@TempDir Path dir) throws Exception {
        Path png = dir.resolve("curve.png");
        Path svg = dir.resolve("curve2.svg");
        assertEquals(0, run("train", "--epochs", "2", "--plot", png.toString()).code());
        assertEquals(
                0,
                run(
                                "train",
                                "--epochs",
                                "2",
                                "--plot",
                                svg.toString(),
                                "--history-csv",
                                dir.resolve("h.csv").toString())
                        .code());
        byte[] head = java.util.Arrays.copyOf(Files.readAllBytes(png), 8);
        assertArrayEquals(
                new byte[] {(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10}, head, "a PNG file");
        assertTrue(Files.readString(svg).contains("<svg"));
        assertEquals(
                3, Files.readAllLines(dir.resolve("curve.csv")).size(), "header and two epochs");
        assertTrue(
                Files.readString(dir.resolve("h.csv"))
                        .startsWith("epoch,train_loss,train_accuracy,val_loss"));
        assertEquals(
                1,
                run("train", "--plot", dir.resolve("curve.gif").toString()).code(),
                "neither .png nor .svg: refused");
    }

    @Test
    void helpListsEveryToolkitFlagWithDefaults() {
        Result r = run("train", "--help");
        for (String flag :
                new String[] {
                    "--optimizer",
                    "--momentum",
                    "--nesterov",
                    "--weight-decay",
                    "--beta1",
                    "--alpha",
                    "--centered",
                    "--lr-decay",
                    "--initial-accumulator",
                    "--lr-schedule",
                    "--warmup-epochs",
                    "--plateau",
                    "--clip-norm",
                    "--clip-value",
                    "--l1",
                    "--dropout",
                    "--early-stopping",
                    "--patience",
                    "--min-delta",
                    "--batch-size",
                    "--task",
                    "--plot",
                    "--top-k",
                    "--max-bad-steps"
                }) {
            assertTrue(r.out().contains(flag), flag + " missing from --help");
        }
        String flat = r.out().replaceAll("\\s+", " ");
        assertTrue(
                flat.contains("(default: adam)") && flat.contains("(default: constant)"), r.out());
    }
}
