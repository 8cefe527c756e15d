package dev.vtrain.cli;

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
        Result e = run("eval", "--model", model.toString(), "--threads", "1");
        assertEquals(0, e.code(), e.err());
        assertTrue(
                e.out().contains(String.format(java.util.Locale.ROOT, "accuracy %.4f", acc)),
                e.out());
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
}
