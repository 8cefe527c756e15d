package dev.vtrain.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Language models from the command line: train on a text file, generate (deterministically with a
 * fixed seed), evaluate in bits per character; and the one-line errors for bad text and prompts.
 */
class TextCliTest {
    private static CliRun.Result run(String... args) {
        return CliRun.run(args);
    }

    private static Path text(Path dir) throws Exception {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 60; i++) {
            sb.append("First Citizen:\nBefore we proceed any further, hear me speak.\n\n");
        }
        Path p = dir.resolve("corpus.txt");
        Files.writeString(p, sb.toString(), StandardCharsets.UTF_8);
        return p;
    }

    private static void oneLineError(CliRun.Result r, String expected) {
        oneLineError(r, expected, 1);
    }

    private static void oneLineError(CliRun.Result r, String expected, int code) {
        assertEquals(code, r.code(), r.out() + r.err());
        assertTrue(r.err().contains(expected), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertFalse(r.err().contains("\tat "), r.err());
    }

    @Test
    void trainGenerateAndEvaluateAGpt(@TempDir Path dir) throws Exception {
        Path corpus = text(dir);
        Path model = dir.resolve("gpt.safetensors");
        CliRun.Result t =
                run(
                        "train",
                        "--data",
                        corpus.toString(),
                        "--model",
                        "gpt(layers=1,heads=2,embd=16,block=16)",
                        "--iters",
                        "40",
                        "--batch-size",
                        "8",
                        "--optimizer",
                        "adamw",
                        "--lr",
                        "3e-3",
                        "--warmup-iters",
                        "5",
                        "--lr-schedule",
                        "cosine",
                        "--min-lr",
                        "1e-4",
                        "--clip-norm",
                        "1",
                        "--eval-iters",
                        "2",
                        "--threads",
                        "1",
                        "--save",
                        model.toString());
        assertEquals(0, t.code(), t.err());
        assertTrue(t.out().contains("tokens/s"), t.out());
        assertTrue(t.out().contains("bits per character"), t.out());
        String[] gen = {
            "generate",
            "--model",
            model.toString(),
            "--prompt",
            "Be",
            "--tokens",
            "40",
            "--temperature",
            "0",
            "--seed",
            "0"
        };
        CliRun.Result g1 = run(gen);
        CliRun.Result g2 = run(gen);
        assertEquals(0, g1.code(), g1.err());
        assertEquals(g1.out(), g2.out());
        assertTrue(g1.out().startsWith("Be"), g1.out());
        String body = g1.out().substring(0, g1.out().length() - 1);
        assertEquals(2 + 40, body.codePointCount(0, body.length()), "prompt and 40 characters");
        assertTrue(g1.err().contains("tokens/s"), g1.err());
        CliRun.Result sampled =
                run("generate", "--model", model.toString(), "--tokens", "20", "--seed", "3");
        assertEquals(0, sampled.code(), sampled.err());
        oneLineError(
                run(
                        "predict",
                        "--model",
                        model.toString(),
                        "--data",
                        corpus.toString(),
                        "--out",
                        dir.resolve("p.csv").toString()),
                "is a language model: use 'vtrain generate'");
        CliRun.Result e = run("eval", "--model", model.toString());
        assertEquals(0, e.code(), e.err());
        assertTrue(e.out().contains("bits per character"), e.out());
        oneLineError(
                run("generate", "--model", model.toString(), "--prompt", "Zebra!"),
                "not in the model's vocabulary");
        assertTrue(
                run("generate", "--model", model.toString(), "--prompt", "Zebra!")
                        .err()
                        .contains("'Z'"));
    }

    @Test
    void trainAnLstmLanguageModel(@TempDir Path dir) throws Exception {
        Path model = dir.resolve("lstm.safetensors");
        CliRun.Result t =
                run(
                        "train",
                        "--data",
                        text(dir).toString(),
                        "--model",
                        "lstm_lm(layers=2,hidden=16,embd=8)",
                        "--block",
                        "12",
                        "--iters",
                        "10",
                        "--batch-size",
                        "4",
                        "--eval-iters",
                        "1",
                        "--save",
                        model.toString());
        assertEquals(0, t.code(), t.err());
        oneLineError(run("generate", "--model", model.toString()), "Generation needs a GPT model");
        assertEquals(0, run("eval", "--model", model.toString()).code());
    }

    @Test
    void badTextGivesOneLine(@TempDir Path dir) throws Exception {
        Path empty = dir.resolve("empty.txt");
        Files.writeString(empty, "");
        oneLineError(run("train", "--data", empty.toString(), "--iters", "1"), "the text is empty");
        Path binary = dir.resolve("latin1.txt");
        Files.write(binary, new byte[] {'a', 'b', (byte) 0xe9, 'c'});
        oneLineError(
                run("train", "--data", binary.toString(), "--iters", "1"),
                "expected UTF-8 text but found an invalid byte sequence at byte 2");
        Path shortText = dir.resolve("short.txt");
        Files.writeString(shortText, "to be or not");
        oneLineError(
                run("train", "--data", shortText.toString(), "--iters", "1"),
                "fewer than the block of 64 plus one");
        oneLineError(
                run(
                        "train",
                        "--data",
                        text(dir).toString(),
                        "--model",
                        "gpt(layers=1,heads=1,embd=8,block=16)",
                        "--block",
                        "32"),
                "--block 32 is larger than the model's context (block=16)",
                2);
        oneLineError(run("train", "--data", dir.resolve("missing.txt").toString()), "no such file");
        oneLineError(
                run("train", "--data", text(dir).toString(), "--epochs", "3"),
                "--epochs does not apply to text training",
                2);
    }
}
