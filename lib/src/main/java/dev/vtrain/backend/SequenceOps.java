package dev.vtrain.backend;

import dev.vtrain.tensor.Tensor;

/**
 * The sequence-model op family: token and position embeddings, layer normalisation, GELU and causal
 * multi-head self-attention (training passes and a single-query pass over a key/value cache), with
 * PyTorch's semantics. Token ids are stored as floats (exact below 2²⁴). Matrices are row-major
 * ({@link Tensor#rows()} × {@link Tensor#cols()}); each method names what it overwrites and what it
 * accumulates into; other arguments are only read. Results do not depend on a backend's thread
 * count. Used by the backend's thread; allocates nothing per call.
 */
public interface SequenceOps {
    /**
     * Embedding lookup: overwrites {@code out} (rows × C) with {@code table[ids[r]]} (table: V ×
     * C), plus {@code positions[r mod period]} (period × C) when {@code positions} is not null.
     *
     * @throws IllegalArgumentException if an id is not an integer in [0, V)
     */
    void embedding(Tensor out, Tensor ids, Tensor table, Tensor positions, int period);

    /**
     * Backward of {@link #embedding}: {@code tableGrad = tableBeta · tableGrad + Σ_{r: ids[r]=v}
     * dOut[r]} and {@code positionGrad = positionBeta · positionGrad + Σ_{r ≡ t mod period}
     * dOut[r]} (a beta of 0 overwrites without reading; a null gradient is skipped). Rows are added
     * in row order.
     */
    void embeddingBackward(
            Tensor tableGrad,
            float tableBeta,
            Tensor positionGrad,
            float positionBeta,
            Tensor dOut,
            Tensor ids,
            int period);

    /**
     * Layer normalisation over each row of {@code x} (rows × C), as PyTorch's {@code
     * nn.LayerNorm(C, eps)}: overwrites {@code mean} and {@code rstd} (rows each: the row mean and
     * {@code 1 / sqrt(biased variance + eps)}) and {@code y = (x - mean) · rstd · gamma + bias}
     * ({@code gamma} and {@code bias} of C; either may be null for 1 and 0). {@code y} may alias
     * {@code x}.
     */
    void layerNorm(
            Tensor y, Tensor mean, Tensor rstd, Tensor x, Tensor gamma, Tensor bias, float eps);

    /**
     * Backward of {@link #layerNorm}: when {@code dx} is not null overwrites it with {@code rstd ·
     * (g - mean(g) - x̂ · mean(g · x̂))} where {@code g = dy · gamma} and {@code x̂ = (x - mean) ·
     * rstd}; {@code gammaGrad = gammaBeta · gammaGrad + Σ_rows dy · x̂} and {@code biasGrad =
     * biasBeta · biasGrad + Σ_rows dy} (null skips). {@code scratch} (rows × C) is overwritten.
     */
    void layerNormBackward(
            Tensor dx,
            Tensor gammaGrad,
            float gammaBeta,
            Tensor biasGrad,
            float biasBeta,
            Tensor scratch,
            Tensor dy,
            Tensor x,
            Tensor gamma,
            Tensor mean,
            Tensor rstd);

    /**
     * GELU: overwrites {@code y} with {@code x · Φ(x)} (exact, with erf) or, with {@code tanh},
     * PyTorch's {@code approximate='tanh'} form; same shapes; may alias.
     */
    void gelu(Tensor y, Tensor x, boolean tanh);

    /**
     * Overwrites {@code dx} with {@code dy · GELU'(x)}; same shapes; {@code dx} may alias {@code
     * dy}.
     */
    void geluBackward(Tensor dx, Tensor dy, Tensor x, boolean tanh);

    /**
     * Causal multi-head self-attention on a fused projection: {@code qkv} holds {@code sequences ×
     * length} rows of {@code 3C} ({@code q | k | v}, head h in columns {@code h·D … (h+1)·D} of
     * each third, {@code D = C / heads}). Overwrites {@code probs} ({@code sequences · heads ·
     * length} rows of {@code length}: the softmax of {@code q·kᵀ / √D} over keys j ≤ i, zero above
     * the diagonal) and {@code y} ({@code sequences × length} rows of C: {@code probs · v}, heads
     * side by side).
     */
    default void causalAttention(
            Tensor y, Tensor probs, Tensor qkv, int sequences, int length, int heads) {
        causalAttention(y, probs, qkv, sequences, length, heads, 0f, 0L);
    }

    /**
     * {@link #causalAttention} with attention dropout: {@code y = (probs ∘ M) · v}, where {@code
     * M[r, j]} (r the row of {@code probs}) is {@code 1 / (1 - dropout)} when {@link
     * DropoutHash#keep}({@code key}, {@code r · length + j}, threshold of dropout) holds and 0
     * otherwise; {@code probs} still receives the softmax before dropout. Dropout 0 is none.
     */
    void causalAttention(
            Tensor y,
            Tensor probs,
            Tensor qkv,
            int sequences,
            int length,
            int heads,
            float dropout,
            long key);

    /**
     * Backward of {@link #causalAttention}: overwrites {@code dqkv} (shaped as {@code qkv}) from
     * {@code dy} (shaped as {@code y}).
     */
    default void causalAttentionBackward(
            Tensor dqkv,
            Tensor dy,
            Tensor qkv,
            Tensor probs,
            int sequences,
            int length,
            int heads) {
        causalAttentionBackward(dqkv, dy, qkv, probs, sequences, length, heads, 0f, 0L);
    }

    /** Backward of the dropout form, with the forward's {@code dropout} and {@code key}. */
    void causalAttentionBackward(
            Tensor dqkv,
            Tensor dy,
            Tensor qkv,
            Tensor probs,
            int sequences,
            int length,
            int heads,
            float dropout,
            long key);

    /**
     * One query against a cache laid out as {@link #causalAttention}'s {@code qkv}: the query is
     * the q part of row {@code positions - 1} of {@code qkv}, the keys and values the k and v parts
     * of its first {@code positions} rows. Overwrites {@code y} (1 × C) and {@code scores} (at
     * least {@code heads × positions} floats). Gives row {@code positions - 1} of {@link
     * #causalAttention} over those rows.
     */
    void attendCached(Tensor y, Tensor scores, Tensor qkv, int positions, int heads);

    /**
     * Softmax cross-entropy over the rows of {@code logits} (rows × V) with labels (rows, as
     * floats), skipping rows whose label is {@code ignoreIndex}, as PyTorch's {@code
     * cross_entropy(ignore_index=…)} with mean reduction over the n counted rows: accumulates
     * {@code lossSum[0] += rows · (Σ_counted loss) / n} (so dividing by rows gives PyTorch's mean;
     * nothing when n = 0) and, when {@code gradLogits} is not null, overwrites it with {@code
     * (softmax - onehot) / n} on counted rows and 0 on skipped ones. Returns n.
     *
     * @throws IllegalArgumentException if a counted label is not an integer in [0, V)
     */
    int crossEntropy(
            Tensor logits, Tensor labels, int ignoreIndex, Tensor gradLogits, Tensor lossSum);

    /**
     * Overwrites {@code dst} with {@code src} regrouped from {@code (outer, inner, f)} to {@code
     * (inner, outer, f)}: with outer = batch and inner = time, a batch-first sequence becomes
     * time-major (and back with the two swapped). Both hold {@code outer · inner · f} floats.
     */
    void transposeBlocks(Tensor dst, Tensor src, int outer, int inner, int f);
}
