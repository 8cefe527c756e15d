package dev.vtrain.io;

import dev.vtrain.nn.Buffer;
import dev.vtrain.nn.Model;
import dev.vtrain.nn.Parameter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Starts a model from pretrained weights in a safetensors file — a vtrain model file or a PyTorch
 * {@code nn.Sequential} {@code state_dict} saved as safetensors — matched by name ({@code
 * 0.weight}, …) and shape. The output layer may differ (a new task with another number of classes):
 * its parameters then keep their fresh initialisation, which replaces the head. Any other missing
 * or mismatched parameter is an error. Stateless, but it writes into the model: call it on the
 * thread that owns the model (see {@link Model}).
 */
public final class Pretrained {
    private Pretrained() {}

    /**
     * What was loaded.
     *
     * @param loaded parameters copied from the file
     * @param newHead output-layer parameters left freshly initialised
     * @param unused tensors in the file the model has no use for
     * @param metadata the file's metadata (empty for a plain PyTorch state_dict)
     */
    public record Report(
            List<String> loaded,
            List<String> newHead,
            List<String> unused,
            java.util.Map<String, String> metadata) {}

    /**
     * Copies matching weights from {@code file} into {@code model}.
     *
     * @throws SafetensorsException if the file is invalid, or a parameter other than the output
     *     layer's is missing or has another shape
     */
    public static Report load(Model model, Path file) {
        return load(model, file, false);
    }

    /**
     * As {@link #load(Model, Path)}; with {@code replaceHead} the output layer is never loaded,
     * even when its shape matches (a new task with the same number of classes).
     */
    public static Report load(Model model, Path file, boolean replaceHead) {
        Safetensors.Contents c = Safetensors.read(file);
        ModelFile.checkFinite(c.tensors(), file.toString());
        // The output layer: the one that declared the last parameter.
        List<Parameter> params = model.parameters();
        String head = params.isEmpty() ? "" : params.get(params.size() - 1).owner();
        List<String> loaded = new ArrayList<>();
        List<String> newHead = new ArrayList<>();
        List<String> unused = new ArrayList<>(c.tensors().keySet());
        for (Parameter p : model.parameters()) {
            Safetensors.Entry t = c.tensors().get(p.name());
            boolean isHead = p.owner().equals(head);
            if (t != null && Arrays.equals(t.shape(), p.shape()) && !(isHead && replaceHead)) {
                model.write(p.name(), t.data());
                loaded.add(p.name());
                unused.remove(p.name());
            } else if (isHead) {
                newHead.add(p.name());
                unused.remove(p.name());
            } else if (t == null) {
                throw new SafetensorsException(
                        file
                                + ": no tensor '"
                                + p.name()
                                + "' of shape "
                                + dev.vtrain.tensor.Tensor.format(p.shape())
                                + " for the model; the file has "
                                + c.tensors().keySet());
            } else {
                throw new SafetensorsException(
                        file
                                + ": tensor '"
                                + p.name()
                                + "' has shape "
                                + dev.vtrain.tensor.Tensor.format(t.shape())
                                + " but the model needs "
                                + dev.vtrain.tensor.Tensor.format(p.shape())
                                + " (only the output layer may differ)");
            }
        }
        for (Buffer b : model.buffers()) {
            Safetensors.Entry t = c.tensors().get(b.name());
            if (t != null
                    && Arrays.equals(t.shape(), b.shape())
                    && !b.name().startsWith(head + ".")) {
                model.write(b.name(), t.data());
                loaded.add(b.name());
                unused.remove(b.name());
            }
        }
        return new Report(loaded, newHead, unused, c.metadata());
    }

    /**
     * Loads a state dict as PyTorch's {@code load_state_dict(strict=True)}: every parameter and
     * buffer of the model must be in the file with the same shape, and the file may hold nothing
     * else.
     *
     * @throws SafetensorsException naming the missing, unexpected or mismatched tensors
     */
    public static void loadStrict(Model model, Path file) {
        Safetensors.Contents c = Safetensors.read(file);
        ModelFile.checkFinite(c.tensors(), file.toString());
        List<String> missing = new ArrayList<>();
        List<String> mismatched = new ArrayList<>();
        List<String> unexpected = new ArrayList<>(c.tensors().keySet());
        List<String> names = new ArrayList<>();
        List<int[]> shapes = new ArrayList<>();
        for (Parameter p : model.parameters()) {
            names.add(p.name());
            shapes.add(p.shape());
        }
        for (Buffer b : model.buffers()) {
            names.add(b.name());
            shapes.add(b.shape());
        }
        for (int i = 0; i < names.size(); i++) {
            Safetensors.Entry t = c.tensors().get(names.get(i));
            unexpected.remove(names.get(i));
            if (t == null) {
                missing.add(names.get(i));
            } else if (!Arrays.equals(t.shape(), shapes.get(i))) {
                mismatched.add(
                        names.get(i)
                                + " "
                                + dev.vtrain.tensor.Tensor.format(t.shape())
                                + " vs "
                                + dev.vtrain.tensor.Tensor.format(shapes.get(i)));
            }
        }
        if (!missing.isEmpty() || !unexpected.isEmpty() || !mismatched.isEmpty()) {
            throw new SafetensorsException(
                    file
                            + ": does not match the model: missing keys "
                            + missing
                            + ", unexpected keys "
                            + unexpected
                            + ", shape mismatches "
                            + mismatched);
        }
        for (String n : names) {
            model.write(n, c.tensors().get(n).data());
        }
    }
}
