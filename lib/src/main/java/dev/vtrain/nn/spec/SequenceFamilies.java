package dev.vtrain.nn.spec;

import dev.vtrain.nn.CausalSelfAttention;
import dev.vtrain.nn.Embedding;
import dev.vtrain.nn.Gelu;
import dev.vtrain.nn.Gpt;
import dev.vtrain.nn.LayerNorm;
import dev.vtrain.nn.PositionalEmbedding;
import dev.vtrain.nn.Recurrent;
import dev.vtrain.nn.RecurrentLanguageModel;
import dev.vtrain.nn.TransformerBlock;
import dev.vtrain.tensor.Shape;
import java.util.List;

/**
 * The sequence layers of {@link Layers}: {@code embedding}, {@code positional_embedding}, {@code
 * layernorm}, {@code gelu}, {@code causal_self_attention}, {@code transformer_block} and the {@code
 * gpt} preset, with PyTorch's (or nanoGPT's) argument names; sizes that the input shape gives are
 * inferred. A {@code gpt} without {@code vocab} takes the data's output count.
 */
final class SequenceFamilies {
    static final List<String> NAMES =
            List.of(
                    "embedding",
                    "positional_embedding",
                    "layernorm",
                    "gelu",
                    "causal_self_attention",
                    "transformer_block",
                    "gpt",
                    "rnn",
                    "lstm",
                    "gru",
                    "rnn_lm",
                    "lstm_lm",
                    "gru_lm");

    private SequenceFamilies() {}

    static LayerFamilies.Built build(String type, LayerCall c, Shape in, int outputs) {
        return switch (type) {
            case "embedding" -> {
                Args a = new Args(c, List.of("num_embeddings", "embedding_dim"));
                yield new LayerFamilies.Built(
                        new Embedding(
                                a.integer("num_embeddings", null),
                                a.integer("embedding_dim", null)),
                        a);
            }
            case "positional_embedding" -> {
                Args a = new Args(c, List.of("length", "dim"));
                int dim = Layers.inferred(a, "dim", in.last(), in);
                yield new LayerFamilies.Built(
                        new PositionalEmbedding(
                                a.integer("length", in.rank() == 2 ? in.dim(0) : null), dim),
                        a);
            }
            case "layernorm" -> {
                Args a =
                        new Args(
                                c,
                                List.of("normalized_shape", "eps", "elementwise_affine", "bias"));
                int dim = Layers.inferred(a, "normalized_shape", in.last(), in);
                yield new LayerFamilies.Built(
                        new LayerNorm(
                                dim,
                                (float) a.number("eps", 1e-5),
                                a.bool("elementwise_affine", true),
                                a.bool("bias", true)),
                        a);
            }
            case "gelu" -> {
                Args a = new Args(c, List.of("approximate"));
                String w = a.word("approximate", "none", List.of("none", "tanh"));
                yield new LayerFamilies.Built(new Gelu(w.equals("tanh")), a);
            }
            case "causal_self_attention" -> {
                Args a = new Args(c, List.of("num_heads", "bias", "dropout", "embed_dim"));
                int e = Layers.inferred(a, "embed_dim", in.last(), in);
                yield new LayerFamilies.Built(
                        new CausalSelfAttention(
                                e,
                                a.integer("num_heads", null),
                                a.bool("bias", true),
                                (float) a.number("dropout", 0)),
                        a);
            }
            case "transformer_block" -> {
                Args a = new Args(c, List.of("num_heads", "bias", "dropout", "embed_dim"));
                int e = Layers.inferred(a, "embed_dim", in.last(), in);
                yield new LayerFamilies.Built(
                        new TransformerBlock(
                                e,
                                a.integer("num_heads", null),
                                a.bool("bias", true),
                                (float) a.number("dropout", 0)),
                        a);
            }
            case "gpt" -> {
                Args a =
                        new Args(
                                c,
                                List.of(
                                        "layers", "heads", "embd", "block", "vocab", "bias",
                                        "dropout"));
                Integer vocab = outputs > 0 ? outputs : null;
                int v = a.integer("vocab", vocab);
                if (outputs > 0 && v != outputs) {
                    throw a.error(
                            "vocab=" + v + " but the data has " + outputs + " distinct tokens");
                }
                int block = a.integer("block", in.rank() == 1 ? in.dim(0) : null);
                yield new LayerFamilies.Built(
                        new Gpt(
                                v,
                                block,
                                a.integer("layers", null),
                                a.integer("heads", null),
                                a.integer("embd", null),
                                a.bool("bias", false),
                                (float) a.number("dropout", 0)),
                        a);
            }
            case "rnn", "lstm", "gru" -> {
                Args a =
                        new Args(
                                c,
                                List.of(
                                        "hidden_size",
                                        "num_layers",
                                        "bias",
                                        "last",
                                        "nonlinearity",
                                        "input_size",
                                        "batch_first"));
                int inSize = Layers.inferred(a, "input_size", in.last(), in);
                if (!a.bool("batch_first", true)) {
                    throw a.error(
                            "batch_first=False is not supported; sequences are (T, features)");
                }
                yield new LayerFamilies.Built(
                        new Recurrent(
                                cell(type, a),
                                inSize,
                                a.integer("hidden_size", null),
                                a.integer("num_layers", 1),
                                a.bool("bias", true),
                                a.bool("last", false)),
                        a);
            }
            case "rnn_lm", "lstm_lm", "gru_lm" -> {
                Args a = new Args(c, List.of("layers", "hidden", "embd", "vocab", "nonlinearity"));
                Integer vocab = outputs > 0 ? outputs : null;
                int v = a.integer("vocab", vocab);
                if (outputs > 0 && v != outputs) {
                    throw a.error(
                            "vocab=" + v + " but the data has " + outputs + " distinct tokens");
                }
                yield new LayerFamilies.Built(
                        new RecurrentLanguageModel(
                                cell(type.substring(0, type.length() - 3), a),
                                v,
                                a.integer("embd", 64),
                                a.integer("hidden", null),
                                a.integer("layers", 1)),
                        a);
            }
            default -> null;
        };
    }

    private static Recurrent.Cell cell(String type, Args a) {
        return switch (type) {
            case "lstm" -> Recurrent.Cell.LSTM;
            case "gru" -> Recurrent.Cell.GRU;
            default ->
                    a.word("nonlinearity", "tanh", List.of("tanh", "relu")).equals("tanh")
                            ? Recurrent.Cell.RNN_TANH
                            : Recurrent.Cell.RNN_RELU;
        };
    }
}
