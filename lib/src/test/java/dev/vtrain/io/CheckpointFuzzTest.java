package dev.vtrain.io;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.vtrain.backend.scalar.ScalarBackend;
import dev.vtrain.nn.Linear;
import dev.vtrain.nn.Model;
import dev.vtrain.nn.ReLU;
import dev.vtrain.nn.Sequential;
import dev.vtrain.optim.Adam;
import dev.vtrain.optim.schedule.ReduceLROnPlateau;

/**
 * The checkpoint reader on arbitrary bytes, checksum check off so the fuzzer reaches what lies
 * behind it: reading the layer tree, input shape and best parameters, and restoring model,
 * optimizer, dropout counters, plateau and training state into a small MLP. Every outcome is a
 * restored state or a {@link SafetensorsException} with one line; any other exception is a bug.
 * Regression mode runs the committed inputs under {@code CheckpointFuzzTestInputs/} (a real
 * checkpoint of this MLP among them); {@code tools/fuzz.sh} fuzzes it.
 */
class CheckpointFuzzTest {
    static Model model(ScalarBackend b) {
        return Model.build(
                new Sequential(new Linear(4, 6), new ReLU(), new Linear(6, 3)), 4, 2, b, 1);
    }

    static ReduceLROnPlateau plateau() {
        return new ReduceLROnPlateau(ReduceLROnPlateau.Mode.MIN, 0.5, 0, 0.0, true, 0, 0);
    }

    @FuzzTest(maxDuration = "10m")
    void restoresOrRejectsAnyBytes(byte[] input) {
        Checkpoints.Loaded loaded;
        try {
            loaded = Checkpoints.parse(input, "fuzz.safetensors", false);
        } catch (SafetensorsException expected) {
            dev.vtrain.fuzz.FuzzInvariants.oneLine(expected);
            return;
        }
        try (ScalarBackend b = new ScalarBackend();
                Model m = model(b);
                Adam adam = new Adam(m, 0.01f)) {
            try {
                loaded.inputShape();
                loaded.network();
            } catch (SafetensorsException | IllegalArgumentException expected) {
                dev.vtrain.fuzz.FuzzInvariants.oneLine(expected);
            }
            loaded.bestParameters();
            try {
                loaded.restore(m, adam, plateau());
            } catch (SafetensorsException expected) {
                dev.vtrain.fuzz.FuzzInvariants.oneLine(expected);
            }
        }
    }
}
