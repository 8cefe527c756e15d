package dev.vtrain.cli;

import dev.vtrain.backend.Backend;
import dev.vtrain.data.CharCorpus;
import dev.vtrain.data.Vocabulary;
import dev.vtrain.io.Json;
import dev.vtrain.io.ModelFile;
import dev.vtrain.nn.Model;
import dev.vtrain.nn.loss.SequenceCrossEntropyLoss;
import dev.vtrain.tensor.Storage;
import dev.vtrain.tensor.Tensor;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * {@code vtrain eval} on a language model: the mean next-character loss, and bits per character,
 * over every position of a split, read as consecutive windows of the model's block (no sampling).
 */
final class TextEval {
    private TextEval() {}

    static int run(
            ModelFile.Saved saved,
            String source,
            String split,
            int batchSize,
            String backend,
            int threads,
            boolean json) {
        String part = split.equals("test") ? "validation" : split;
        if (!part.equals("validation") && !part.equals("train")) {
            throw new IllegalArgumentException(
                    "Invalid --split '"
                            + split
                            + "' for a language model (expected validation or train)");
        }
        Vocabulary vocabulary = new Vocabulary(saved.metadata().get("vtrain.vocabulary"));
        CharCorpus corpus = TextTrainRun.corpus(source);
        // The model's tokens are indices in its own vocabulary, not the corpus's.
        String text = corpus.vocabulary().characters();
        int[] remap = vocabulary.encode(text, source);
        int[] raw = part.equals("train") ? corpus.train() : corpus.validation();
        int[] tokens = new int[raw.length];
        for (int i = 0; i < raw.length; i++) {
            tokens[i] = remap[raw[i]];
        }
        int block = saved.inputShape().dim(0);
        int windows = (tokens.length - 1) / block;
        if (windows < 1) {
            throw new IllegalArgumentException(
                    source
                            + ": the "
                            + part
                            + " split has "
                            + tokens.length
                            + " characters, fewer than the model's block of "
                            + block
                            + " plus one");
        }
        int rows = Math.min(batchSize, windows);
        double sum = 0;
        long counted = 0;
        SequenceCrossEntropyLoss loss = new SequenceCrossEntropyLoss(vocabulary.size());
        try (Backend b = BackendFlag.create(backend, threads).backend();
                Model m = saved.build(b, rows);
                Storage s = b.allocate(2L * rows * block + 16)) {
            Tensor x = Tensor.of(s, 0, rows, block);
            Tensor y = Tensor.of(s, (long) rows * block, rows, block);
            Tensor lossSum = Tensor.of(s, 2L * rows * block, 1);
            float[] xs = new float[rows * block];
            float[] ys = new float[rows * block];
            float[] one = new float[1];
            for (int w0 = 0; w0 < windows; w0 += rows) {
                int r = Math.min(rows, windows - w0);
                for (int i = 0; i < r; i++) {
                    int start = (w0 + i) * block;
                    for (int t = 0; t < block; t++) {
                        xs[i * block + t] = tokens[start + t];
                        ys[i * block + t] = tokens[start + t + 1];
                    }
                }
                b.upload(Arrays.copyOf(xs, r * block), 0, x.firstRows(r));
                b.upload(Arrays.copyOf(ys, r * block), 0, y.firstRows(r));
                b.fill(lossSum, 0f);
                Tensor out = m.forward(x.firstRows(r), false);
                loss.compute(b, out, y.firstRows(r), null, lossSum);
                b.download(lossSum, one, 0);
                sum += one[0];
                counted += (long) r * block;
            }
        }
        double mean = sum / counted;
        if (json) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("split", part);
            r.put("characters", counted);
            r.put("loss", mean);
            r.put("bits_per_character", mean / Math.log(2));
            System.out.println(Json.write(r));
        } else {
            System.out.printf(
                    Locale.ROOT,
                    "%s split of %s: loss %.4f, %.4f bits per character over %,d characters (%d windows of %d)%n",
                    part,
                    corpus.name(),
                    mean,
                    mean / Math.log(2),
                    counted,
                    windows,
                    block);
        }
        return 0;
    }
}
