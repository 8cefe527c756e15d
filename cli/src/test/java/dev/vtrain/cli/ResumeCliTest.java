package dev.vtrain.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vtrain.io.Checkpoints;
import dev.vtrain.io.Safetensors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A natural resume: the same command plus --resume, extended epochs, moved checkpoints, data. */
class ResumeCliTest {
    private static Path csv(Path dir, String name, int rows) throws Exception {
        return TestCsv.threeClasses(dir, name, rows, 7);
    }

    private static List<String> command(Path data, Path ck, Path save, int epochs) {
        return new ArrayList<>(
                List.of(
                        "train",
                        "--data",
                        data.toString(),
                        "--epochs",
                        Integer.toString(epochs),
                        "--threads",
                        "1",
                        "--lr",
                        "0.02",
                        "--checkpoint-dir",
                        ck.toString(),
                        "--save",
                        save.toString()));
    }

    private static CliRun.Result run(List<String> args) {
        return CliRun.run(args.toArray(String[]::new));
    }

    private static float[] weights(Path model) {
        List<float[]> all = new ArrayList<>();
        int n = 0;
        for (Safetensors.Entry e : Safetensors.read(model).tensors().values()) {
            all.add(e.data());
            n += e.data().length;
        }
        float[] out = new float[n];
        int at = 0;
        for (float[] a : all) {
            System.arraycopy(a, 0, out, at, a.length);
            at += a.length;
        }
        return out;
    }

    @Test
    void theSameCommandPlusResumeExtendsTheRunBitForBit(@TempDir Path dir) throws Exception {
        Path data = csv(dir, "d.csv", 300);
        Path direct = dir.resolve("direct.safetensors");
        assertEquals(0, run(command(data, dir.resolve("ck0"), direct, 5)).code());
        Path ck = dir.resolve("ck");
        Path save = dir.resolve("m.safetensors");
        CliRun.Result first = run(command(data, ck, save, 3));
        assertEquals(0, first.code(), first.err());
        List<String> again = command(data, ck, save, 5);
        again.addAll(List.of("--resume", ck.toString()));
        CliRun.Result resumed = run(again);
        assertEquals(0, resumed.code(), resumed.err());
        assertTrue(resumed.out().contains("resumed at epoch 4, batch 0"), resumed.out());
        assertTrue(resumed.out().contains("epoch 5/5"), resumed.out());
        assertArrayEquals(
                weights(direct),
                weights(save),
                "3 epochs extended to 5 by a resume give the weights of 5 epochs in one run");
    }

    @Test
    void anExtensionIsRecordedSoTheNextResumeKeepsBothTheLengthAndTheSchedule(@TempDir Path dir)
            throws Exception {
        Path data = csv(dir, "d.csv", 120);
        Path ck = dir.resolve("ck");
        List<String> cmd = command(data, ck, dir.resolve("m.safetensors"), 2);
        cmd.addAll(List.of("--lr-schedule", "cosine"));
        assertEquals(0, run(cmd).code());
        CliRun.Result longer = CliRun.run("train", "--resume", ck.toString(), "--epochs", "4");
        assertEquals(0, longer.code(), longer.err());
        Map<String, String> meta = Checkpoints.load(ck).metadata();
        assertTrue(meta.get("vtrain.args").contains("\"--epochs\",\"4\""), meta.get("vtrain.args"));
        assertEquals("2", meta.get("vtrain.schedule_epochs"), "the schedule keeps its length");
        CliRun.Result again = CliRun.run("train", "--resume", ck.toString());
        assertEquals(0, again.code(), again.err());
        assertTrue(
                again.out().contains("resumed at epoch 5") && again.out().contains("(4 epochs)"),
                "the second resume knows the run is 4 epochs long: " + again.out());
    }

    @Test
    void aFlagThatChangesTheRunIsNamed(@TempDir Path dir) throws Exception {
        Path data = csv(dir, "d.csv", 120);
        Path ck = dir.resolve("ck");
        assertEquals(0, run(command(data, ck, dir.resolve("m.safetensors"), 1)).code());
        List<String> changed = command(data, ck, dir.resolve("m.safetensors"), 2);
        changed.set(changed.indexOf("0.02"), "0.5");
        changed.addAll(List.of("--resume", ck.toString()));
        CliRun.Result r = run(changed);
        assertEquals(2, r.code(), r.out());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains("--lr was 0.02 in the run, this command gives 0.5"), r.err());
    }

    @Test
    void changedDataIsRefusedUnlessAllowed(@TempDir Path dir) throws Exception {
        Path data = csv(dir, "d.csv", 300);
        Path ck = dir.resolve("ck");
        assertEquals(0, run(command(data, ck, dir.resolve("m.safetensors"), 1)).code());
        csv(dir, "d.csv", 120);
        CliRun.Result r = CliRun.run("train", "--resume", ck.toString(), "--epochs", "2");
        assertEquals(1, r.code(), r.out());
        assertTrue(
                r.err().contains("changed since the checkpoint was written")
                        && r.err().contains("--allow-changed-data"),
                r.err());
        CliRun.Result allowed =
                CliRun.run(
                        "train",
                        "--resume",
                        ck.toString(),
                        "--epochs",
                        "2",
                        "--allow-changed-data");
        assertEquals(0, allowed.code(), allowed.err());
    }

    @Test
    void aCopiedCheckpointWritesBesideItselfAndLeavesTheRunsOutputsAlone(@TempDir Path dir)
            throws Exception {
        Path data = csv(dir, "d.csv", 300);
        Path ck = dir.resolve("ck");
        Path save = dir.resolve("m.safetensors");
        List<String> cmd = command(data, ck, save, 2);
        cmd.addAll(List.of("--checkpoint-every", "3"));
        assertEquals(0, run(cmd).code());
        byte[] original = Files.readAllBytes(save);
        Path copy = Files.createDirectory(dir.resolve("copy"));
        Path oldest = Checkpoints.list(ck).get(0);
        Files.copy(oldest, copy.resolve(oldest.getFileName()));
        List<Path> before = Checkpoints.list(ck);
        CliRun.Result r = CliRun.run("train", "--resume", copy.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("the checkpoint was copied from"), r.err());
        assertEquals(before, Checkpoints.list(ck), "the original directory is untouched");
        assertTrue(Checkpoints.list(copy).size() >= 2, "new checkpoints go next to the copy");
        assertArrayEquals(
                original, Files.readAllBytes(save), "the run's --save is not overwritten");
        Map<String, String> meta = Checkpoints.load(copy).metadata();
        assertTrue(
                meta.get("vtrain.args").contains(copy.toAbsolutePath().toString()),
                meta.toString());
    }

    @Test
    void checkpointsStoreAbsolutePathsSoAResumeFromElsewhereReadsTheSameData(@TempDir Path dir)
            throws Exception {
        Path data = csv(dir, "d.csv", 120);
        Path ck = dir.resolve("ck");
        assertEquals(0, run(command(data, ck, dir.resolve("m.safetensors"), 1)).code());
        String args = Checkpoints.load(ck).metadata().get("vtrain.args");
        assertTrue(args.contains(data.toAbsolutePath().toString()), args);
        assertFalse(Arrays.asList(args.split("\"")).contains("d.csv"), args);
    }

    @Test
    void aTextRunResumedFromAMidRunCheckpointEndsWithTheUninterruptedWeights(@TempDir Path dir)
            throws Exception {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 40; i++) {
            sb.append("To be, or not to be, that is the question: whether tis nobler\n");
        }
        Path text = Files.writeString(dir.resolve("play.txt"), sb.toString());
        Path ck = dir.resolve("ck");
        Path whole = dir.resolve("whole.safetensors");
        CliRun.Result r =
                CliRun.run(
                        "train",
                        "--data",
                        text.toString(),
                        "--model",
                        "gpt(layers=1,heads=2,embd=16,block=16,dropout=0.1)",
                        "--iters",
                        "8",
                        "--batch-size",
                        "4",
                        "--eval-iters",
                        "1",
                        "--eval-every",
                        "4",
                        "--lr-schedule",
                        "cosine",
                        "--threads",
                        "1",
                        "--checkpoint-dir",
                        ck.toString(),
                        "--checkpoint-every",
                        "3",
                        "--save",
                        whole.toString());
        assertEquals(0, r.code(), r.err());
        Path copy = Files.createDirectory(dir.resolve("copy"));
        Path mid = ck.resolve("checkpoint-000000000006.safetensors");
        Files.copy(mid, copy.resolve(mid.getFileName()));
        Path resumed = dir.resolve("resumed.safetensors");
        CliRun.Result again =
                CliRun.run("train", "--resume", copy.toString(), "--save", resumed.toString());
        assertEquals(0, again.code(), again.err());
        assertTrue(again.out().contains("resumed at iteration 6 of 8"), again.out());
        assertArrayEquals(
                weights(whole),
                weights(resumed),
                "a GPT with dropout resumed at iteration 6 ends where the uninterrupted run did");
    }

    @Test
    void aMissingCheckpointPathIsNamedAsMissing(@TempDir Path dir) {
        CliRun.Result r = CliRun.run("train", "--resume", dir.resolve("nope").toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("no such file or directory"), r.err());
        assertFalse(r.err().contains("corrupted"), r.err());
    }
}
