package dev.vtrain.cli;

import dev.vtrain.backend.Backend;
import dev.vtrain.data.Vocabulary;
import dev.vtrain.generate.TextGenerator;
import dev.vtrain.generate.TokenSampler;
import dev.vtrain.io.ModelFile;
import dev.vtrain.io.SafetensorsException;
import dev.vtrain.nn.Model;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code vtrain generate}: samples text from a language model saved by {@code vtrain train}. */
@Command(
        name = "generate",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description =
                "Sample text from a GPT saved with 'vtrain train --data TEXT --save', streaming each character as it"
                        + " is drawn (key/value cache: the prefix is never recomputed).")
final class GenerateCommand implements Callable<Integer> {
    @Mixin SavedModelOptions options;

    @Option(
            names = "--prompt",
            defaultValue = "\n",
            description = "Text to continue (default: a newline).")
    String prompt;

    @Option(
            names = "--tokens",
            defaultValue = "500",
            description = "Characters to generate (default: ${DEFAULT-VALUE}).")
    int tokens;

    @Option(
            names = "--temperature",
            defaultValue = "0.8",
            description = "Softmax temperature; 0 is greedy (default: ${DEFAULT-VALUE}).")
    float temperature;

    @Option(
            names = "--top-k",
            defaultValue = "40",
            description =
                    "Sample among the k most likely characters; 0 for all (default: ${DEFAULT-VALUE}).")
    int topK;

    @Option(
            names = "--seed",
            defaultValue = "0",
            description = "Seed of the sampler (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(
            names = {"--device", "--backend"},
            defaultValue = "auto",
            description =
                    "auto, cpu, cuda or scalar (default: ${DEFAULT-VALUE}; --backend is the same flag).")
    String backend;

    @Override
    public Integer call() {
        if (tokens < 0) {
            throw new IllegalArgumentException("Invalid --tokens " + tokens + " (must be ≥ 0)");
        }
        int threads = ThreadCount.resolve(options.threads == null ? 1 : options.threads);
        ModelFile.Saved saved = ModelFile.load(options.model);
        String chars = saved.metadata().get("vtrain.vocabulary");
        if (!"language-model".equals(saved.metadata().get("vtrain.task")) || chars == null) {
            throw new SafetensorsException(
                    options.model
                            + ": not a language model (expected one saved by 'vtrain train --data TEXT'; its"
                            + " task is "
                            + saved.metadata().getOrDefault("vtrain.task", "not recorded")
                            + ")");
        }
        Vocabulary vocabulary = new Vocabulary(chars);
        TokenSampler sampler = new TokenSampler(vocabulary.size(), temperature, topK, seed);
        PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
        try (Backend b = BackendFlag.create(backend, threads).backend();
                Model m = saved.build(b, 1);
                TextGenerator g = new TextGenerator(m, vocabulary, sampler)) {
            StringBuilder one = new StringBuilder(2);
            // Checked before anything is printed: an unknown character fails with one line.
            vocabulary.encode(prompt, "--prompt");
            out.print(prompt);
            out.flush();
            long start = System.nanoTime();
            g.generate(
                    prompt,
                    tokens,
                    id -> {
                        one.setLength(0);
                        vocabulary.decodeTo(id, one);
                        out.append(one);
                        out.flush();
                    });
            double s = (System.nanoTime() - start) / 1e9;
            out.println();
            out.flush();
            System.err.printf(
                    Locale.ROOT,
                    "generated %d characters in %.3fs (%,.0f tokens/s, key/value cache of %d positions)%n",
                    tokens,
                    s,
                    tokens / s,
                    g.decoder().capacity());
        }
        return 0;
    }
}
