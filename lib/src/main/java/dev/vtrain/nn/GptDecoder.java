package dev.vtrain.nn;

import dev.vtrain.backend.Backend;
import dev.vtrain.backend.SequenceOps;
import dev.vtrain.tensor.SlabPlan;
import dev.vtrain.tensor.Storage;
import dev.vtrain.tensor.Tensor;

/**
 * Inference of a {@link Gpt} with a key/value cache. {@link #prefill} runs a context through the
 * model as one batch of positions (matrix products, the weights read once); {@link #next} then runs
 * one position at a time (matrix-vector products), writing its q, k and v into the cache and
 * attending over the cached prefix, so nothing before it is recomputed. Each layer's cache is laid
 * out as the training pass's {@code qkv} rows, so attention over it is the same arithmetic. The
 * logits equal those of a full forward pass over the same tokens up to rounding. Reads the model's
 * parameters (not copied); owns its cache and buffers, allocated once: nothing is allocated per
 * token. Not thread-safe; one sequence at a time.
 */
public final class GptDecoder implements AutoCloseable {
    private final Gpt gpt;
    private final Backend backend;
    private final SequenceOps ops;
    private final Storage storage;
    private final int block;
    private final int embd;
    private final int heads;
    private final Tensor ids;
    private final Tensor x;
    private final Tensor a;
    private final Tensor att;
    private final Tensor tmp;
    private final Tensor h;
    private final Tensor g;
    private final Tensor logits;
    private final Tensor scores;
    private final Tensor mean;
    private final Tensor rstd;
    private final long probsOffset;
    private final Tensor[] probs;
    private final Tensor[] caches;
    private final Tensor[][] cacheRows;
    private final Tensor[] positionRows;
    private final Tensor[] xRows;
    private final float[] idStage;
    private int position;

    /**
     * A decoder for {@code model}, whose root must be a {@link Gpt}.
     *
     * @throws IllegalArgumentException if it is not
     */
    public GptDecoder(Model model) {
        if (!(model.network() instanceof Gpt net)) {
            throw new IllegalArgumentException(
                    "Generation needs a GPT model; this model is "
                            + model.network().toString().replace('\n', ' '));
        }
        this.gpt = net;
        this.backend = model.backend();
        this.ops = backend.sequence();
        this.block = net.block();
        this.embd = net.embd();
        this.heads = net.heads();
        int layers = net.layers();
        SlabPlan plan = new SlabPlan();
        SlabPlan.Slot sIds = plan.add("ids", block, 1);
        SlabPlan.Slot sX = plan.add("x", block, embd);
        SlabPlan.Slot sA = plan.add("a", block, embd);
        SlabPlan.Slot sAtt = plan.add("att", block, embd);
        SlabPlan.Slot sTmp = plan.add("tmp", block, embd);
        SlabPlan.Slot sH = plan.add("h", block, 4 * embd);
        SlabPlan.Slot sG = plan.add("g", block, 4 * embd);
        SlabPlan.Slot sLogits = plan.add("logits", 1, net.vocab());
        SlabPlan.Slot sScores = plan.add("scores", heads * block);
        SlabPlan.Slot sProbs = plan.add("probs", heads * block, block);
        SlabPlan.Slot sMean = plan.add("mean", block);
        SlabPlan.Slot sRstd = plan.add("rstd", block);
        SlabPlan.Slot[] sCache = new SlabPlan.Slot[layers];
        for (int i = 0; i < layers; i++) {
            sCache[i] = plan.add("qkv." + i, block, 3 * embd);
        }
        this.storage = plan.allocate(backend::allocate);
        ids = sIds.tensor();
        x = sX.tensor();
        a = sA.tensor();
        att = sAtt.tensor();
        tmp = sTmp.tensor();
        h = sH.tensor();
        g = sG.tensor();
        logits = sLogits.tensor();
        scores = sScores.tensor();
        mean = sMean.tensor();
        rstd = sRstd.tensor();
        probsOffset = sProbs.tensor().offset();
        probs = new Tensor[block + 1];
        caches = new Tensor[layers];
        cacheRows = new Tensor[layers][block];
        for (int i = 0; i < layers; i++) {
            caches[i] = sCache[i].tensor();
            for (int p = 0; p < block; p++) {
                cacheRows[i][p] =
                        Tensor.of(storage, caches[i].offset() + (long) p * 3 * embd, 1, 3 * embd);
            }
        }
        Tensor wpe = net.positionEmbedding().value();
        positionRows = new Tensor[block];
        xRows = new Tensor[block];
        for (int p = 0; p < block; p++) {
            positionRows[p] = Tensor.of(wpe.storage(), wpe.offset() + (long) p * embd, 1, embd);
            xRows[p] = Tensor.of(storage, x.offset() + (long) p * embd, 1, embd);
        }
        idStage = new float[block];
    }

    /** The backend the logits live in. */
    public Backend backend() {
        return backend;
    }

    /** Positions the cache holds (the model's block). */
    public int capacity() {
        return block;
    }

    /** Tokens in the cache. */
    public int position() {
        return position;
    }

    /** Vocabulary size (logits per token). */
    public int vocab() {
        return gpt.vocab();
    }

    /** Empties the cache. */
    public void reset() {
        position = 0;
    }

    /**
     * Empties the cache and runs {@code tokens[from, from + n)} through the model as positions
     * {@code 0 … n-1} in one batch; returns the logits after the last (1 × vocab), a view valid
     * until the next call.
     *
     * @throws IllegalArgumentException if n is not in [1, capacity] or a token is not in the
     *     vocabulary
     */
    public Tensor prefill(int[] tokens, int from, int n) {
        if (n < 1 || n > block) {
            throw new IllegalArgumentException(
                    "A prefill of " + n + " tokens does not fit the cache of " + block);
        }
        for (int i = 0; i < n; i++) {
            idStage[i] = tokens[from + i];
        }
        backend.upload(idStage, 0, ids.firstRows(n));
        Tensor xn = x.firstRows(n);
        Tensor an = a.firstRows(n);
        Tensor attn = att.firstRows(n);
        Tensor tmpn = tmp.firstRows(n);
        Tensor hn = h.firstRows(n);
        Tensor gn = g.firstRows(n);
        Tensor mn = mean.firstRows(n);
        Tensor rn = rstd.firstRows(n);
        ops.embedding(
                xn,
                ids.firstRows(n),
                gpt.tokenEmbedding().value(),
                gpt.positionEmbedding().value().firstRows(n),
                n);
        for (int i = 0; i < gpt.layers(); i++) {
            TransformerBlock b = gpt.block(i);
            CausalSelfAttention sa = b.attention();
            Tensor qkv = caches[i].firstRows(n);
            b.ln1().apply(an, mn, rn, xn);
            backend.linear(qkv, an, sa.cAttn().weightValue(), sa.cAttn().biasValue(), null);
            ops.causalAttention(attn, probs(n), qkv, 1, n, heads);
            backend.linear(tmpn, attn, sa.cProj().weightValue(), sa.cProj().biasValue(), null);
            backend.add(xn, tmpn, xn);
            b.ln2().apply(an, mn, rn, xn);
            backend.linear(hn, an, b.fc().weightValue(), b.fc().biasValue(), null);
            ops.gelu(gn, hn, false);
            backend.linear(tmpn, gn, b.proj().weightValue(), b.proj().biasValue(), null);
            backend.add(xn, tmpn, xn);
        }
        position = n;
        return head(xRows[n - 1]);
    }

    private Tensor probs(int n) {
        if (probs[n] == null) {
            probs[n] = Tensor.of(storage, probsOffset, heads * n, n);
        }
        return probs[n];
    }

    private Tensor head(Tensor last) {
        Tensor a1 = a.firstRows(1);
        gpt.lnF().apply(a1, mean.firstRows(1), rstd.firstRows(1), last);
        backend.linear(logits, a1, gpt.tokenEmbedding().value(), null, null);
        return logits;
    }

    /**
     * Feeds {@code tokenId} at the next position and returns its logits (1 × vocab), a view valid
     * until the next call.
     *
     * @throws IllegalStateException if the cache is full ({@link #position()} = {@link
     *     #capacity()}): prefill a shorter context
     * @throws IllegalArgumentException if the token is not in the vocabulary
     */
    public Tensor next(int tokenId) {
        if (position == block) {
            throw new IllegalStateException(
                    "The key/value cache holds "
                            + block
                            + " positions, the model's context; prefill a shorter one");
        }
        idStage[0] = tokenId;
        Tensor id1 = ids.firstRows(1);
        backend.upload(idStage, 0, id1);
        Tensor x1 = x.firstRows(1);
        Tensor a1 = a.firstRows(1);
        Tensor att1 = att.firstRows(1);
        Tensor tmp1 = tmp.firstRows(1);
        Tensor h1 = h.firstRows(1);
        Tensor g1 = g.firstRows(1);
        Tensor m1 = mean.firstRows(1);
        Tensor r1 = rstd.firstRows(1);
        ops.embedding(x1, id1, gpt.tokenEmbedding().value(), positionRows[position], 1);
        int n = position + 1;
        for (int i = 0; i < gpt.layers(); i++) {
            TransformerBlock b = gpt.block(i);
            CausalSelfAttention sa = b.attention();
            b.ln1().apply(a1, m1, r1, x1);
            backend.linear(
                    cacheRows[i][position],
                    a1,
                    sa.cAttn().weightValue(),
                    sa.cAttn().biasValue(),
                    null);
            ops.attendCached(att1, scores, caches[i], n, heads);
            backend.linear(tmp1, att1, sa.cProj().weightValue(), sa.cProj().biasValue(), null);
            backend.add(x1, tmp1, x1);
            b.ln2().apply(a1, m1, r1, x1);
            backend.linear(h1, a1, b.fc().weightValue(), b.fc().biasValue(), null);
            ops.gelu(g1, h1, false);
            backend.linear(tmp1, g1, b.proj().weightValue(), b.proj().biasValue(), null);
            backend.add(x1, tmp1, x1);
        }
        position = n;
        return head(x1);
    }

    /** Frees the cache. Idempotent. */
    @Override
    public void close() {
        storage.close();
    }
}
