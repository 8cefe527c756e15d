package dev.vtrain.data;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.zip.GZIPInputStream;

/**
 * Datasets shipped inside the library jar. {@code digits}: the 8×8 optical handwritten digits
 * (1,797 samples, 64 features with values 0–16, 10 classes), the UCI "Optical Recognition of
 * Handwritten Digits" test set by E. Alpaydin and C. Kaynak (CC BY 4.0), in the copy shipped by
 * scikit-learn ({@code sklearn/datasets/data/digits.csv.gz}, Debian package {@code
 * python3-sklearn}). See {@code dev/vtrain/data/DIGITS-ATTRIBUTION.txt} in the jar. Stateless; any
 * thread may call it.
 */
public final class EmbeddedDatasets {
    private static final String DIGITS = "digits.csv.gz";

    private EmbeddedDatasets() {}

    /** The digits dataset: 1,797 × 64 features (raw 0–16 values), labels 0–9. */
    public static Dataset digits() {
        try (InputStream raw = EmbeddedDatasets.class.getResourceAsStream(DIGITS)) {
            if (raw == null) {
                throw new IllegalStateException(
                        "Embedded resource " + DIGITS + " missing from the vtrain jar");
            }
            try (InputStreamReader r =
                    new InputStreamReader(new GZIPInputStream(raw), StandardCharsets.UTF_8)) {
                Dataset d = CsvReader.read(r, "digits", new CsvReader.Options(null, false, false));
                return new Dataset(
                        "digits",
                        d.features(),
                        d.featureCount(),
                        d.targets(),
                        d.targetWidth(),
                        d.classNames());
            }
        } catch (IOException e) {
            throw new IllegalStateException("Cannot read embedded " + DIGITS, e);
        }
    }
}
