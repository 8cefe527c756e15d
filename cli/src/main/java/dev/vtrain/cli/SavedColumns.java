package dev.vtrain.cli;

import dev.vtrain.data.CsvReader;
import dev.vtrain.io.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The CSV columns a saved model was trained on ({@code vtrain.feature_columns} and {@code
 * vtrain.label_column} in its metadata), so {@code eval} and {@code predict} match columns by name
 * rather than position.
 */
final class SavedColumns {
    private SavedColumns() {}

    /**
     * The model's feature column names in input order, or null if the model did not record them.
     */
    static List<String> features(Map<String, String> metadata) {
        String json = metadata.get("vtrain.feature_columns");
        if (json == null) {
            return null;
        }
        List<String> names = new ArrayList<>();
        for (Object o : (List<?>) Json.parse(json)) {
            names.add((String) o);
        }
        return names;
    }

    /**
     * Warns on standard error about columns of {@code csv} that are neither a feature of the model
     * nor its label column (they are ignored). Does nothing when the features are not known or the
     * path is not a file.
     */
    static void warnIgnored(Path csv, List<String> features, String label) {
        if (features == null || !Files.isRegularFile(csv)) {
            return;
        }
        List<String> ignored = new ArrayList<>();
        for (String c : CsvReader.columns(csv, null).header()) {
            if (!features.contains(c) && !c.equals(label)) {
                ignored.add(c);
            }
        }
        if (!ignored.isEmpty()) {
            System.err.println(
                    "vtrain: warning: "
                            + csv
                            + ": ignoring column"
                            + (ignored.size() == 1 ? " " : "s ")
                            + String.join(", ", ignored)
                            + " (not among the model's features)");
        }
    }
}
