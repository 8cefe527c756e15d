package dev.vtrain.data;

import dev.vtrain.tensor.Shape;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Fashion-MNIST from a directory of the four IDX files ({@code train-images-idx3-ubyte}, {@code
 * train-labels-idx1-ubyte}, {@code t10k-…}, each optionally {@code .gz}), as installed by Debian's
 * {@code dataset-fashion-mnist} under {@link #DEFAULT_DIR}. Stateless; any thread may call it.
 */
public final class FashionMnist {
    /** Where Debian's {@code dataset-fashion-mnist} package installs the files. */
    public static final Path DEFAULT_DIR = Path.of("/usr/share/datasets/fashion-mnist");

    /** Class names in label order. */
    public static final List<String> CLASSES =
            List.of(
                    "T-shirt/top",
                    "Trouser",
                    "Pullover",
                    "Dress",
                    "Coat",
                    "Sandal",
                    "Shirt",
                    "Sneaker",
                    "Bag",
                    "Ankle boot");

    private FashionMnist() {}

    /**
     * The official training (60,000) and test (10,000) sets.
     *
     * @param train the training set
     * @param test the test set
     * @param sampleShape one image as {@code (1, rows, cols)}
     */
    public record TrainTest(Dataset train, Dataset test, Shape sampleShape) {}

    /**
     * Loads both sets from {@code dir}; pixel values are kept in [0, 255].
     *
     * @throws DataFormatException if files are missing or malformed, with a hint on getting them
     */
    public static TrainTest load(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new DataFormatException(
                    "Fashion-MNIST not found: "
                            + dir
                            + " is not a directory. Install it with"
                            + " 'apt-get install dataset-fashion-mnist' (Debian) or pass --data DIR with the four IDX files");
        }
        int[] dims = new int[2];
        Dataset train = load(dir, "train", dims);
        return new TrainTest(train, load(dir, "t10k", new int[2]), Shape.of(1, dims[0], dims[1]));
    }

    private static Path find(Path dir, String base) {
        for (String name : new String[] {base + ".gz", base}) {
            Path p = dir.resolve(name);
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        throw new DataFormatException(
                "Fashion-MNIST: missing "
                        + base
                        + "[.gz] in "
                        + dir
                        + " (install 'dataset-fashion-mnist' or download the four IDX files there)");
    }

    private static Dataset load(Path dir, String split, int[] imageDims) {
        Path imagesFile = find(dir, split + "-images-idx3-ubyte");
        Path labelsFile = find(dir, split + "-labels-idx1-ubyte");
        IdxReader.IdxArray images = IdxReader.read(imagesFile);
        IdxReader.IdxArray labels = IdxReader.read(labelsFile);
        if (images.dims().length != 3) {
            throw new DataFormatException(
                    imagesFile
                            + ": expected 3 dimensions (n, rows, cols), found "
                            + images.dims().length);
        }
        if (labels.dims().length != 1 || labels.dims()[0] != images.dims()[0]) {
            throw new DataFormatException(
                    labelsFile
                            + ": expected "
                            + images.dims()[0]
                            + " labels (one per image), found dims "
                            + java.util.Arrays.toString(labels.dims()));
        }
        int n = images.dims()[0];
        imageDims[0] = images.dims()[1];
        imageDims[1] = images.dims()[2];
        int f = images.dims()[1] * images.dims()[2];
        float[] y = new float[n];
        for (int i = 0; i < n; i++) {
            int label = labels.get(i);
            if (label >= CLASSES.size()) {
                throw new DataFormatException(
                        labelsFile + ": label " + label + " at index " + i + " (expected 0..9)");
            }
            y[i] = label;
        }
        // Kept as bytes (47 MB for the training images rather than 188 MB as floats).
        return Dataset.ofBytes("fashion-mnist/" + split, images.data(), f, y, 1, CLASSES);
    }
}
