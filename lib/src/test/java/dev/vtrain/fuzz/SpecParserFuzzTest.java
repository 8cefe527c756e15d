package dev.vtrain.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.vtrain.nn.Layer;
import dev.vtrain.nn.spec.Layers;
import dev.vtrain.nn.spec.SpecParser;
import dev.vtrain.tensor.Shape;
import java.nio.charset.StandardCharsets;

/**
 * The model-spec parser and the layer builder behind {@code --model} on arbitrary text: a spec
 * parses into a network whose shapes check, or is refused with an {@link IllegalArgumentException}
 * (a {@code SpecException} for syntax, naming the position) in one line; any other exception is a
 * bug. Networks are only planned (shapes), never allocated.
 */
class SpecParserFuzzTest {
    private static final Shape[] INPUTS = {Shape.of(1, 8, 8), Shape.of(12), Shape.of(16)};

    @FuzzTest(maxDuration = "10m")
    void buildsOrRejectsAnySpec(byte[] input) {
        String spec = new String(input, StandardCharsets.UTF_8);
        try {
            SpecParser.parse(spec);
        } catch (IllegalArgumentException expected) {
            FuzzInvariants.oneLine(expected);
            return;
        }
        for (Shape in : INPUTS) {
            try {
                Layer net = Layers.fromSpec(spec, in, 10);
                net.outputShape(in);
                Layers.fromJson(
                        dev.vtrain.io.Json.parse(
                                dev.vtrain.io.Json.writeCompact(net.spec().toJson())),
                        in);
            } catch (IllegalArgumentException expected) {
                FuzzInvariants.oneLine(expected);
            }
        }
    }
}
