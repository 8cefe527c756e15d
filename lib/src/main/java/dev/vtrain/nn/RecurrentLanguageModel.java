package dev.vtrain.nn;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A character-level recurrent language model: {@code embedding} ({@link Embedding}) → {@code lstm}
 * / {@code gru} / {@code rnn} ({@link Recurrent}, every step's hidden state) → {@code head} ({@link
 * Linear} to the vocabulary). Input {@code (T)} token ids, output {@code (T, vocab)} logits;
 * parameter names are those of a PyTorch module with those three attributes ({@code
 * embedding.weight}, {@code lstm.weight_ih_l0}, …, {@code head.weight}). Build and run it on the
 * thread that owns its model (see {@link Model}); {@link #declare} stores per-model state, so an
 * instance belongs to at most one model.
 */
public final class RecurrentLanguageModel extends Sequential {
    private final Recurrent.Cell cell;
    private final int vocab;
    private final int embd;
    private final int hidden;
    private final int layers;

    /**
     * A language model over {@code vocab} tokens.
     *
     * @throws IllegalArgumentException if a size is not positive
     */
    public RecurrentLanguageModel(
            Recurrent.Cell cell, int vocab, int embd, int hidden, int layers) {
        super(
                List.of(
                        new Embedding(vocab, embd),
                        new Recurrent(cell, embd, hidden, layers, true, false),
                        new Linear(hidden, vocab)),
                List.of(
                        "embedding",
                        cell == Recurrent.Cell.LSTM
                                ? "lstm"
                                : cell == Recurrent.Cell.GRU ? "gru" : "rnn",
                        "head"));
        this.cell = cell;
        this.vocab = vocab;
        this.embd = embd;
        this.hidden = hidden;
        this.layers = layers;
    }

    @Override
    public LayerSpec spec() {
        Map<String, Object> a = new LinkedHashMap<>();
        a.put("vocab", (long) vocab);
        a.put("embd", (long) embd);
        a.put("hidden", (long) hidden);
        a.put("layers", (long) layers);
        if (cell == Recurrent.Cell.RNN_RELU || cell == Recurrent.Cell.RNN_TANH) {
            a.put("nonlinearity", cell == Recurrent.Cell.RNN_TANH ? "tanh" : "relu");
        }
        return LayerSpec.of(type(cell), a);
    }

    /**
     * The spec name of the preset for {@code cell}: {@code lstm_lm}, {@code gru_lm}, {@code
     * rnn_lm}.
     */
    public static String type(Recurrent.Cell cell) {
        return switch (cell) {
            case LSTM -> "lstm_lm";
            case GRU -> "gru_lm";
            case RNN_TANH, RNN_RELU -> "rnn_lm";
        };
    }

    @Override
    public String toString() {
        return type(cell)
                + "(vocab="
                + vocab
                + ", embd="
                + embd
                + ", hidden="
                + hidden
                + ", layers="
                + layers
                + ")";
    }
}
