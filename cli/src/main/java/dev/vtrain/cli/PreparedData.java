package dev.vtrain.cli;

import dev.vtrain.data.CsvReader;
import dev.vtrain.data.DataFormatException;
import dev.vtrain.data.Dataset;
import dev.vtrain.data.EmbeddedDatasets;
import dev.vtrain.data.FashionMnist;
import dev.vtrain.data.FeatureScaling;
import dev.vtrain.data.Splits;
import dev.vtrain.data.TargetScaling;
import dev.vtrain.tensor.Shape;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Training, validation and test data resolved from a {@code --data} value and scaled with
 * statistics fitted on the training part only (or with a saved model's statistics).
 *
 * @param source what {@code --data} named, resolved (e.g. the directory read)
 * @param split the scaled parts
 * @param scaling the scaling applied
 * @param sampleShape one sample's shape: {@code (1, H, W)} for images, {@code (features)} otherwise
 * @param columns a CSV file's columns (the label resolved), null for other data
 * @param targets the regression targets' scaling (the splits hold scaled targets), null for
 *     classification
 */
record PreparedData(
        String source,
        Splits.Split split,
        FeatureScaling scaling,
        Shape sampleShape,
        CsvReader.Columns columns,
        TargetScaling targets) {
    /**
     * Where the data comes from and how to split and scale it; {@code featureColumns} and {@code
     * classNames} (both may be null) are a saved model's, for a CSV read by name.
     */
    record Request(
            String data,
            String labelColumn,
            double valSplit,
            double testSplit,
            String scaling,
            long seed,
            boolean regression,
            List<String> featureColumns,
            List<String> classNames,
            String targetScaling) {}

    /** Loads and splits the data, fitting the scaling on the training part. */
    static PreparedData load(Request r) {
        return load(r, null, null);
    }

    /**
     * Loads and splits the data; scales features with {@code fixed} and regression targets with
     * {@code fixedTargets} (e.g. a saved model's) when not null.
     */
    static PreparedData load(Request r, FeatureScaling fixed, TargetScaling fixedTargets) {
        String data = r.data() == null ? "digits" : r.data();
        String key = data.toLowerCase(Locale.ROOT);
        Path path = Path.of(data);
        boolean builtIn =
                key.equals("digits") || key.equals("fashion-mnist") || Files.isDirectory(path);
        if (r.regression() && builtIn) {
            throw new IllegalArgumentException(
                    "--task regression needs a CSV file with a numeric target column; '"
                            + data
                            + "' is a classification dataset");
        }
        Splits.Split raw;
        Shape shape = null;
        FeatureScaling.Kind defaultScaling;
        String source;
        CsvReader.Columns columns = null;
        if (key.equals("digits")) {
            raw = Splits.split(EmbeddedDatasets.digits(), r.valSplit(), r.testSplit(), r.seed());
            shape = Shape.of(1, 8, 8);
            defaultScaling = FeatureScaling.Kind.STANDARDIZE;
            source = "digits (embedded, 1797 samples)";
        } else if (key.equals("fashion-mnist")) {
            FashionMnist.TrainTest tt = FashionMnist.load(FashionMnist.DEFAULT_DIR);
            raw = Splits.holdOut(tt.train(), tt.test(), r.valSplit(), r.seed());
            shape = tt.sampleShape();
            defaultScaling = FeatureScaling.Kind.DIVIDE_255;
            source = "fashion-mnist (" + FashionMnist.DEFAULT_DIR + ")";
        } else if (Files.isDirectory(path)) {
            FashionMnist.TrainTest tt = FashionMnist.load(path);
            raw = Splits.holdOut(tt.train(), tt.test(), r.valSplit(), r.seed());
            shape = tt.sampleShape();
            defaultScaling = FeatureScaling.Kind.DIVIDE_255;
            source = path.toString();
        } else if (Files.isRegularFile(path)) {
            columns = CsvReader.columns(path, r.labelColumn());
            Dataset all =
                    CsvReader.read(
                            path,
                            new CsvReader.Options(
                                    columns.label(),
                                    true,
                                    r.regression(),
                                    r.featureColumns(),
                                    r.classNames()));
            raw = Splits.split(all, r.valSplit(), r.testSplit(), r.seed());
            defaultScaling = FeatureScaling.Kind.STANDARDIZE;
            source = path.toString();
        } else {
            throw new DataFormatException(
                    "--data "
                            + data
                            + ": expected 'digits', 'fashion-mnist', a directory of IDX files"
                            + " or a CSV file, but no such file or directory exists");
        }
        FeatureScaling.Kind kind =
                r.scaling() == null || r.scaling().equals("auto")
                        ? defaultScaling
                        : FeatureScaling.Kind.parse(r.scaling());
        FeatureScaling scaling = fixed != null ? fixed : FeatureScaling.fit(kind, raw.train());
        Splits.Split scaled =
                new Splits.Split(
                        scaling.apply(raw.train()),
                        scaling.apply(raw.validation()),
                        scaling.apply(raw.test()));
        TargetScaling targets = null;
        if (r.regression()) {
            targets =
                    fixedTargets != null
                            ? fixedTargets
                            : TargetScaling.fit(
                                    FeatureScaling.Kind.parse(r.targetScaling()), raw.train());
            scaled =
                    new Splits.Split(
                            targets.apply(scaled.train()),
                            targets.apply(scaled.validation()),
                            targets.apply(scaled.test()));
        }
        if (shape == null) {
            shape = Shape.of(raw.train().featureCount());
        }
        return new PreparedData(source, scaled, scaling, shape, columns, targets);
    }
}
