package dev.vtrain.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.vtrain.io.ModelFile;
import dev.vtrain.io.Safetensors;
import dev.vtrain.io.SafetensorsException;

/**
 * The safetensors reader, and the model-file reader behind it, on arbitrary bytes: they return
 * contents whose every tensor's data fills its shape, or throw {@link SafetensorsException} with
 * one line; any other exception is a bug. Regression mode runs the committed inputs under {@code
 * SafetensorsFuzzTestInputs/}; {@code tools/fuzz.sh} fuzzes it.
 */
class SafetensorsFuzzTest {
    @FuzzTest(maxDuration = "10m")
    void readsOrRejectsAnyBytes(byte[] input) {
        try {
            Safetensors.Contents c = Safetensors.read(input, "fuzz.safetensors");
            for (Safetensors.Entry e : c.tensors().values()) {
                long n = 1;
                for (int d : e.shape()) {
                    n *= d;
                }
                if (n != e.data().length) {
                    throw new AssertionError(
                            e.name() + ": " + e.data().length + " values for " + n + " elements");
                }
            }
        } catch (SafetensorsException expected) {
            FuzzInvariants.oneLine(expected);
        }
        try {
            ModelFile.Saved saved = ModelFile.read(input, "fuzz.safetensors");
            for (float[] w : saved.weights().values()) {
                for (float v : w) {
                    if (!Float.isFinite(v)) {
                        throw new AssertionError("a model with non-finite weights was accepted");
                    }
                }
            }
        } catch (SafetensorsException expected) {
            FuzzInvariants.oneLine(expected);
        }
    }
}
