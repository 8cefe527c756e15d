package dev.vtrain.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vtrain.io.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line end to end, in-process: exit codes, one-line errors, report, save and eval. */
class CliTest {
    private static CliRun.Result run(String... args) {
        return CliRun.run(args);
    }

    @Test
    void trainWritesReportAndModelThatEvalReproduces(@TempDir Path dir) throws Exception {
        Path report = dir.resolve("r.json");
        Path model = dir.resolve("m.safetensors");
        CliRun.Result r =
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
        CliRun.Result e = run("eval", "--model", model.toString(), "--threads", "1", "--json");
        assertEquals(0, e.code(), e.err());
        Map<?, ?> evaluated = (Map<?, ?>) Json.parse(e.out());
        assertEquals(
                acc,
                ((Number) evaluated.get("accuracy")).doubleValue(),
                1e-12,
                "eval reproduces training's figure");
        assertEquals(10, ((List<?>) evaluated.get("confusion_matrix")).size());
        CliRun.Result tables = run("eval", "--model", model.toString(), "--threads", "1");
        assertTrue(
                tables.out().contains("macro avg") && tables.out().contains("confusion matrix"),
                tables.out());
    }

    @Test
    @SuppressWarnings("unchecked")
    void benchPrintsJsonWithEveryFigure() {
        CliRun.Result r = run("bench", "--json", "--threads", "1", "--seconds", "0.05");
        assertEquals(0, r.code(), r.err());
        Map<String, Object> out = (Map<String, Object>) Json.parse(r.out());
        List<Map<String, Object>> gemm = (List<Map<String, Object>>) out.get("gemm");
        List<Map<String, Object>> steps = (List<Map<String, Object>>) out.get("train_step");
        assertEquals(6, gemm.size());
        assertEquals(3, steps.size());
        for (Map<String, Object> g : gemm) {
            assertTrue(((Number) g.get("vtrain_gflops")).doubleValue() > 0, g.toString());
        }
        for (Map<String, Object> st : steps) {
            assertTrue(((Number) st.get("us_per_step")).doubleValue() > 0, st.toString());
        }
        assertEquals(
                "vtrain: --seconds: expected a number in (0, 60], got -1.0",
                run("bench", "--seconds", "-1").err().strip());
    }

    @Test
    void badFlagsGiveOneLineAndExitTwo() {
        CliRun.Result r = run("train", "--epochs", "many");
        assertEquals(2, r.code());
        assertTrue(
                r.err()
                        .startsWith(
                                "vtrain: Invalid value for option '--epochs': 'many' is not an int"),
                r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        CliRun.Result typo = run("train", "--epoch", "3");
        assertEquals(2, typo.code());
        assertTrue(
                typo.err().contains("did you mean") && typo.err().contains("--epochs"), typo.err());
        assertEquals(1, typo.err().strip().lines().count(), typo.err());
    }

    @Test
    void badValuesAndDataGiveOneLineAndExitOne(@TempDir Path dir) throws Exception {
        assertEquals(
                "vtrain: Invalid --hidden '12,x': expected comma-separated layer sizes such as 256,128",
                run("train", "--hidden", "12,x").err().strip());
        Path csv = dir.resolve("bad.csv");
        Files.writeString(csv, "a,b,label\n1,2,x\n3,oops,y\n");
        CliRun.Result r = run("train", "--data", csv.toString());
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
        CliRun.Result r = run("info");
        assertEquals(0, r.code());
        assertTrue(r.out().contains("Backend:  cpu") && r.out().contains("Why:"), r.out());
        // The CUDA start-up probe: what it found, or the step where it stopped.
        assertTrue(r.out().contains("\nGPU:      "), r.out());
    }

    @Test
    void deviceFlagIsCheckedAndCudaWithoutAGpuIsOneLine() {
        CliRun.Result bad = run("train", "--device", "tpu");
        assertEquals(2, bad.code());
        assertEquals(
                "vtrain: Invalid --device 'tpu' (expected auto, cpu, cuda or scalar)",
                bad.err().strip());
        org.junit.jupiter.api.Assumptions.assumeFalse(
                dev.vtrain.backend.cuda.CudaProbe.cached().usable(),
                "a usable GPU is present: --device cuda would train");
        CliRun.Result cuda = run("train", "--device", "cuda", "--epochs", "1");
        assertEquals(2, cuda.code(), cuda.err());
        assertTrue(cuda.err().startsWith("vtrain: --device cuda: no usable GPU: "), cuda.err());
        assertEquals(1, cuda.err().strip().lines().count(), cuda.err());
        // --backend is the same flag.
        assertEquals(2, run("info", "--backend", "tpu").code());
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
        CliRun.Result r =
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
        CliRun.Result e = run("eval", "--model", model.toString(), "--json");
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
                2,
                run("train", "--plot", dir.resolve("curve.gif").toString()).code(),
                "neither .png nor .svg: a usage error");
    }

    @Test
    void helpListsEveryToolkitFlagWithDefaults() {
        CliRun.Result r = run("train", "--help");
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

    @Test
    void checkpointResumeAndPredict(@TempDir Path dir) throws Exception {
        Path ck = dir.resolve("ck");
        Path model = dir.resolve("m.safetensors");
        CliRun.Result r =
                run(
                        "train",
                        "--epochs",
                        "3",
                        "--threads",
                        "1",
                        "--checkpoint-dir",
                        ck.toString(),
                        "--save",
                        model.toString());
        assertEquals(0, r.code(), r.err());
        assertEquals(
                2,
                dev.vtrain.io.Checkpoints.list(ck).size(),
                "the newest two checkpoints are kept");
        CliRun.Result other = run("train", "--resume", ck.toString(), "--lr", "0.5");
        assertEquals(2, other.code(), "a flag that changes the run is a usage error");
        assertTrue(other.err().contains("--lr was "), other.err());
        CliRun.Result resumed = run("train", "--resume", ck.toString());
        assertEquals(0, resumed.code(), resumed.err());
        assertTrue(
                resumed.out().contains("resumed at epoch 4, batch 0")
                        && resumed.out().contains("finished run"),
                resumed.out());
        Path last = dev.vtrain.io.Checkpoints.list(ck).get(1);
        byte[] bytes = Files.readAllBytes(last);
        bytes[bytes.length - 3] ^= 1;
        Files.write(last, bytes);
        CliRun.Result fallback = run("train", "--resume", ck.toString());
        assertEquals(0, fallback.code(), fallback.err());
        assertTrue(
                fallback.err().contains("checksum mismatch")
                        && fallback.err().contains("resuming from the previous checkpoint"),
                "a corrupt newest checkpoint falls back to the previous one: " + fallback.err());
        // The fallback retrained the lost epoch and rewrote the newest checkpoint: corrupt it
        // again.
        bytes = Files.readAllBytes(last);
        bytes[bytes.length - 3] ^= 1;
        Files.write(last, bytes);
        CliRun.Result corrupt = run("train", "--resume", last.toString());
        assertEquals(1, corrupt.code());
        assertEquals(1, corrupt.err().strip().lines().count(), corrupt.err());
        assertTrue(corrupt.err().contains("checksum mismatch"), corrupt.err());

        Path csv = dir.resolve("in.csv");
        StringBuilder sb = new StringBuilder();
        for (int j = 0; j < 64; j++) {
            sb.append(j == 0 ? "" : ",").append("f").append(j);
        }
        sb.append('\n');
        for (int row = 0; row < 3; row++) {
            for (int j = 0; j < 64; j++) {
                sb.append(j == 0 ? "" : ",").append((row * 7 + j) % 17);
            }
            sb.append('\n');
        }
        Files.writeString(csv, sb.toString());
        Path out = dir.resolve("pred.csv");
        CliRun.Result pr =
                run(
                        "predict",
                        "--model",
                        model.toString(),
                        "--data",
                        csv.toString(),
                        "--out",
                        out.toString());
        assertEquals(0, pr.code(), pr.err());
        List<String> lines = Files.readAllLines(out);
        assertEquals(4, lines.size());
        assertTrue(lines.get(0).startsWith("class,p_0,p_1"), lines.get(0));
        double sum = 0;
        for (String v : lines.get(1).split(",", -1)) {
            sum += v.contains(".") ? Double.parseDouble(v) : 0;
        }
        assertEquals(1.0, sum, 1e-4, "probabilities sum to 1");

        Path init = dir.resolve("bad.safetensors");
        Files.write(init, new byte[] {9, 9, 9, 9, 9, 9, 9, 9, 9, 9});
        CliRun.Result bad = run("train", "--init-from", init.toString(), "--epochs", "1");
        assertEquals(1, bad.code());
        assertEquals(1, bad.err().strip().lines().count(), bad.err());
    }

    @Test
    void convNetFromAModelSpecTrainsSavesAndEvaluates(@TempDir Path dir) throws Exception {
        Path model = dir.resolve("cnn.safetensors");
        Path report = dir.resolve("r.json");
        CliRun.Result r =
                run(
                        "train",
                        "--model",
                        "conv2d(8,3,padding=1),batchnorm2d,relu,maxpool2d(2),"
                                + "residual(conv2d(8,3,padding=1,bias=False),batchnorm2d,relu),"
                                + "flatten,linear(10)",
                        "--optimizer",
                        "adam",
                        "--lr",
                        "0.003",
                        "--epochs",
                        "4",
                        "--threads",
                        "2",
                        "--save",
                        model.toString(),
                        "--report",
                        report.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("on (1, 8, 8)"), r.out());
        Map<?, ?> json = (Map<?, ?>) Json.parse(Files.readString(report));
        double acc = ((Number) json.get("test_accuracy")).doubleValue();
        assertTrue(acc > 0.85, "test accuracy " + acc);
        CliRun.Result e = run("eval", "--model", model.toString(), "--threads", "1", "--json");
        assertEquals(0, e.code(), e.err());
        double evalAcc = ((Number) ((Map<?, ?>) Json.parse(e.out())).get("accuracy")).doubleValue();
        assertEquals(acc, evalAcc, 1e-9, "eval of the saved conv net reproduces the test accuracy");
    }

    @Test
    void badModelSpecsGiveOneLineNamingPositionOrLayerAndShapes() {
        CliRun.Result bad =
                run("train", "--model", "conv2d(8,3,padding=1),relu,linear(10", "--epochs", "1");
        assertEquals(2, bad.code(), "a spec syntax error is a usage error: " + bad.out());
        assertTrue(!bad.out().contains("data:"), "the spec is checked before the data is read");
        assertTrue(
                bad.err().strip().lines().count() == 1
                        && bad.err().contains("position 37")
                        && bad.err().contains("expected"),
                bad.err());
        CliRun.Result shape = run("train", "--model", "conv2d(8,3),linear(10)", "--epochs", "1");
        assertEquals(1, shape.code(), shape.out());
        assertTrue(
                shape.err().contains("Linear(in_features=6")
                        && shape.err().contains("(8, 6, 6)")
                        && shape.err().contains("flatten"),
                shape.err());
        CliRun.Result mixed =
                run("train", "--model", "flatten,linear(10)", "--hidden", "64", "--epochs", "1");
        assertEquals(2, mixed.code(), mixed.out());
        assertTrue(mixed.err().contains("--hidden describes an MLP"), mixed.err());
        CliRun.Result shapeFlag =
                run(
                        "train",
                        "--model",
                        "flatten,linear(10)",
                        "--input-shape",
                        "2,4,4",
                        "--epochs",
                        "1");
        assertEquals(1, shapeFlag.code(), shapeFlag.out());
        assertTrue(
                shapeFlag.err().contains("--input-shape (2, 4, 4) has 32 elements")
                        && shapeFlag.err().contains("64 features"),
                shapeFlag.err());
        CliRun.Result shapeMlp = run("train", "--input-shape", "1,8,8", "--epochs", "1");
        assertEquals(2, shapeMlp.code(), shapeMlp.out());
        assertTrue(shapeMlp.err().contains("--input-shape needs --model"), shapeMlp.err());
        CliRun.Result outputs = run("train", "--model", "flatten,linear(7)", "--epochs", "1");
        assertEquals(1, outputs.code(), outputs.out());
        assertTrue(outputs.err().contains("needs (10,) outputs"), outputs.err());
    }
}
