package dev.vtrain.io;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vtrain.FixtureFile;
import dev.vtrain.backend.Backend;
import dev.vtrain.backend.Backends;
import dev.vtrain.nn.Linear;
import dev.vtrain.nn.Model;
import dev.vtrain.nn.Sequential;
import dev.vtrain.nn.Tanh;
import dev.vtrain.tensor.Storage;
import dev.vtrain.tensor.Tensor;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Weights move both ways with PyTorch without conversion (fixtures from {@code
 * tools/fixtures/make_fixtures.py}): a model trained in PyTorch and saved as safetensors gives the
 * same outputs in vtrain; a model saved by vtrain, loaded by PyTorch into {@code nn.Sequential}
 * with {@code strict=True}, gave outputs that vtrain reproduces. Tolerance 1e-5 absolute (float32
 * summation order).
 */
class InteropTest {
    private static Map<String, float[]> io(String name) throws IOException {
        Map<String, float[]> m = new HashMap<>();
        FixtureFile.read(name).forEach((k, v) -> m.put(k, FixtureFile.floats(v, 1)));
        return m;
    }

    private static Path resource(String name) throws URISyntaxException {
        return Path.of(InteropTest.class.getResource("/fixtures/" + name).toURI());
    }

    private static void assertOutputs(Backend b, Model m, float[] x, float[] expected) {
        int rows = x.length / m.inFeatures();
        try (Storage s = b.allocate(x.length)) {
            Tensor in = Tensor.of(s, 0, rows, m.inFeatures());
            b.upload(x, 0, in);
            float[] out = new float[rows * m.outFeatures()];
            b.download(m.forward(in, false), out, 0);
            for (int i = 0; i < out.length; i++) {
                assertEquals(expected[i], out[i], 1e-5, "output " + i);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"scalar", "cpu"})
    void pytorchModelGivesTheSameOutputsInVtrain(String backend) throws Exception {
        Map<String, float[]> io = io("torch_mlp_io.txt");
        try (Backend b = Backends.create(backend, 2).backend();
                Model m =
                        Model.build(
                                new Sequential(new Linear(8, 16), new Tanh(), new Linear(16, 3)),
                                8,
                                5,
                                b,
                                0)) {
            Pretrained.Report r = Pretrained.load(m, resource("torch_mlp.safetensors"));
            assertEquals(List.of("0.weight", "0.bias", "2.weight", "2.bias"), r.loaded());
            assertOutputs(b, m, io.get("x"), io.get("out"));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"scalar", "cpu"})
    void vtrainModelLoadedByPyTorchGaveTheseOutputs(String backend) throws Exception {
        Map<String, float[]> io = io("vtrain_digits_torch.txt");
        ModelFile.Saved saved = ModelFile.load(resource("vtrain_digits.safetensors"));
        try (Backend b = Backends.create(backend, 2).backend();
                Model m = saved.build(b, 6)) {
            assertOutputs(b, m, io.get("x"), io.get("out"));
        }
    }
}
