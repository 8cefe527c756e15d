package dev.vtrain.generate;

import dev.vtrain.data.Vocabulary;
import dev.vtrain.nn.GptDecoder;
import dev.vtrain.nn.Model;
import dev.vtrain.tensor.Tensor;
import java.util.function.IntConsumer;

/**
 * Generates text from a GPT with a key/value cache: the prompt is fed once, then each sampled token
 * is fed as the next position, so nothing is recomputed. When the cache is full (the model's
 * block), the context slides: the cache is refilled with the last {@code block / 2} tokens and
 * generation goes on (learned positions make a cache that shifts by one impossible; nanoGPT instead
 * re-runs the last {@code block} tokens for every token). Allocates nothing per token after
 * construction. Not thread-safe.
 */
public final class TextGenerator implements AutoCloseable {
    private final GptDecoder decoder;
    private final Vocabulary vocabulary;
    private final TokenSampler sampler;
    private final int[] history;
    private final float[] logits;
    private int length;

    /**
     * A generator for {@code model} (a GPT) with its vocabulary and a sampler.
     *
     * @throws IllegalArgumentException if the model is not a GPT or the vocabulary size differs
     */
    public TextGenerator(Model model, Vocabulary vocabulary, TokenSampler sampler) {
        this.decoder = new GptDecoder(model);
        if (decoder.vocab() != vocabulary.size()) {
            decoder.close();
            throw new IllegalArgumentException(
                    "The model has "
                            + decoder.vocab()
                            + " logits but the vocabulary "
                            + vocabulary.size()
                            + " characters");
        }
        this.vocabulary = vocabulary;
        this.sampler = sampler;
        this.history = new int[decoder.capacity()];
        this.logits = new float[decoder.vocab()];
    }

    /** The decoder (for tests and benchmarks). */
    public GptDecoder decoder() {
        return decoder;
    }

    /**
     * Feeds the prompt's characters (the last {@code block} of them when longer) and samples {@code
     * tokens} tokens, passing each to {@code onToken} as it is drawn.
     *
     * @throws dev.vtrain.data.DataFormatException naming the prompt's characters that are not in
     *     the vocabulary
     * @throws IllegalArgumentException if the prompt is empty
     */
    public void generate(String prompt, int tokens, IntConsumer onToken) {
        if (prompt.isEmpty()) {
            throw new IllegalArgumentException("The prompt is empty; give at least one character");
        }
        int[] ids = vocabulary.encode(prompt, "--prompt");
        int from = Math.max(0, ids.length - decoder.capacity());
        length = ids.length - from;
        System.arraycopy(ids, from, history, 0, length);
        Tensor out = decoder.prefill(history, 0, length);
        for (int t = 0; t < tokens; t++) {
            decoder.backend().download(out, logits, 0);
            int next = sampler.sample(logits);
            onToken.accept(next);
            out = feed(next);
        }
    }

    private Tensor feed(int id) {
        int cap = decoder.capacity();
        if (length == cap) {
            // Slide: refill the cache with the last half of the context, then go on.
            int keep = Math.max(1, cap / 2);
            System.arraycopy(history, cap - keep, history, 0, keep);
            length = keep;
            decoder.prefill(history, 0, keep);
        }
        history[length++] = id;
        return decoder.next(id);
    }

    /** Frees the cache. */
    @Override
    public void close() {
        decoder.close();
    }
}
