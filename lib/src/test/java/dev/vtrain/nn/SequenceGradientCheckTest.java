package dev.vtrain.nn;

import static dev.vtrain.nn.GradientChecker.check;
import static dev.vtrain.nn.GradientChecker.checkTokens;

import dev.vtrain.tensor.Shape;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Finite-difference checks ({@link GradientChecker}) of the sequence layers — embedding, learned
 * positions, layer norm (with and without bias), exact and tanh GELU, causal self-attention, a
 * transformer block — and of whole 2-layer GPTs (tied head, with and without biases, a context
 * shorter than the block), on both backends.
 */
class SequenceGradientCheckTest {
    private static final double TOL = 3e-3;

    @ParameterizedTest
    @ValueSource(strings = {"scalar", "cpu"})
    void embeddings(String b) {
        checkTokens(b, () -> new Embedding(7, 5), Shape.of(6), 3, 7, TOL);
        check(b, () -> new PositionalEmbedding(8, 5), Shape.of(6, 5), 3, true, TOL);
        check(b, () -> new PositionalEmbedding(6, 5), Shape.of(6, 5), 2, true, TOL);
    }

    @ParameterizedTest
    @ValueSource(strings = {"scalar", "cpu"})
    void layerNormAndGelu(String b) {
        check(b, () -> new LayerNorm(6), Shape.of(4, 6), 3, true, TOL);
        check(b, () -> new LayerNorm(19, 1e-5f, true, false), Shape.of(3, 19), 2, true, TOL);
        check(b, () -> new LayerNorm(5, 1e-5f, false, false), Shape.of(5), 3, true, TOL);
        check(b, () -> new Gelu(false), Shape.of(3, 7), 2, true, TOL);
        check(b, () -> new Gelu(true), Shape.of(3, 7), 2, true, TOL);
    }

    @ParameterizedTest
    @ValueSource(strings = {"scalar", "cpu"})
    void attentionAndBlock(String b) {
        check(b, () -> new CausalSelfAttention(6, 2, true), Shape.of(5, 6), 2, true, TOL);
        check(b, () -> new CausalSelfAttention(4, 1, false), Shape.of(3, 4), 3, true, TOL);
        check(b, () -> new TransformerBlock(8, 2, true), Shape.of(4, 8), 2, true, TOL);
    }

    @ParameterizedTest
    @ValueSource(strings = {"scalar", "cpu"})
    void wholeGpts(String b) {
        // Unit-scale embeddings: at GPT-2's 0.02 the step h = 1e-2 is as large as the
        // activations, and the layer norms' curvature dominates the finite differences.
        ParameterInit unit = ParameterInit.normal(1.0);
        checkTokens(
                b,
                () -> new Gpt(11, 6, 2, 2, 8, true).withEmbeddingInit(unit),
                Shape.of(6),
                2,
                11,
                TOL);
        checkTokens(
                b,
                () -> new Gpt(9, 8, 2, 2, 8, false).withEmbeddingInit(unit),
                Shape.of(5),
                2,
                9,
                TOL);
    }

    @ParameterizedTest
    @ValueSource(strings = {"scalar", "cpu"})
    void recurrentLayers(String b) {
        for (Recurrent.Cell cell : Recurrent.Cell.values()) {
            if (cell == Recurrent.Cell.RNN_RELU) {
                // ReLU's kink: a probe that moves a pre-activation across 0 breaks the finite
                // difference, so the ReLU cell is checked on a configuration that has none.
                check(
                        b,
                        () -> new Recurrent(cell, 3, 4, 2, true, false),
                        Shape.of(3, 3),
                        1,
                        true,
                        TOL);
                continue;
            }
            check(b, () -> new Recurrent(cell, 3, 5, 2, true, false), Shape.of(4, 3), 2, true, TOL);
            check(b, () -> new Recurrent(cell, 4, 3, 1, false, true), Shape.of(3, 4), 3, true, TOL);
            check(b, () -> new Recurrent(cell, 2, 4, 1, true, false), Shape.of(1, 2), 2, true, TOL);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"scalar", "cpu"})
    void recurrentLanguageModels(String b) {
        for (Recurrent.Cell cell : new Recurrent.Cell[] {Recurrent.Cell.LSTM, Recurrent.Cell.GRU}) {
            checkTokens(
                    b, () -> new RecurrentLanguageModel(cell, 7, 4, 6, 2), Shape.of(5), 2, 7, TOL);
        }
    }
}
