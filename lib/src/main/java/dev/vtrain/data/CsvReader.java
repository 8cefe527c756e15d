package dev.vtrain.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Reads comma-separated values (RFC 4180 quoting) into a {@link Dataset}: every column but the
 * label column is a numeric feature. Classification labels may be integers (used as class indices
 * when all are ≥ 0) or strings (mapped to indices in sorted order); regression targets are numbers.
 * Stateless; any thread may call it.
 */
public final class CsvReader {
    /**
     * How to read a CSV file.
     *
     * @param labelColumn the label or target column's name; null for the default (see {@link
     *     #read(Reader, String, Options)})
     * @param header whether the first row names the columns
     * @param regression numeric targets instead of class labels
     * @param featureColumns the feature columns by name, in this order (other columns are ignored);
     *     null for every column but the label, in file order
     * @param classNames the classes labels must be one of (index = class, e.g. a saved model's);
     *     null to take the data's own
     */
    public record Options(
            String labelColumn,
            boolean header,
            boolean regression,
            List<String> featureColumns,
            List<String> classNames) {
        /** Every column but the label is a feature; classes from the data. */
        public Options(String labelColumn, boolean header, boolean regression) {
            this(labelColumn, header, regression, null, null);
        }

        /** A header row, the label column found by name (or the default), classification. */
        public static Options classification(String labelColumn) {
            return new Options(labelColumn, true, false);
        }
    }

    /**
     * A CSV file's columns: its header, and which of them is the label by the rules of {@link
     * #read(Reader, String, Options)}.
     *
     * @param header every column name, in file order
     * @param label the label column's name
     */
    public record Columns(List<String> header, String label) {
        /** Every column but the label, in file order. */
        public List<String> features() {
            List<String> f = new ArrayList<>(header);
            f.remove(label);
            return f;
        }
    }

    /**
     * Reads only the header row of a CSV file and resolves its label column ({@code labelColumn},
     * or the default when null).
     *
     * @throws DataFormatException if the file is missing, empty or has no such column
     */
    public static Columns columns(Path file, String labelColumn) {
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line = in.readLine();
            while (line != null && line.isBlank()) {
                line = in.readLine();
            }
            if (line == null) {
                throw new DataFormatException(file + ": empty file (expected a header row)");
            }
            List<String> header = trimmed(split(line, file.toString(), 1));
            return new Columns(
                    header, header.get(labelIndex(header, labelColumn, file.toString())));
        } catch (IOException e) {
            throw unreadable(file, e);
        }
    }

    /** The one-line error for a file that could not be read. */
    private static DataFormatException unreadable(Path file, IOException e) {
        if (e instanceof NoSuchFileException) {
            return new DataFormatException(file + ": no such file");
        }
        if (e instanceof CharacterCodingException) {
            return new DataFormatException(file + ": not UTF-8 text");
        }
        return new DataFormatException(file + ": cannot read (" + e.getMessage() + ")", e);
    }

    private static List<String> trimmed(List<String> fields) {
        List<String> out = new ArrayList<>(fields.size());
        for (String f : fields) {
            out.add(f.trim());
        }
        return out;
    }

    private CsvReader() {}

    /**
     * Reads a UTF-8 CSV file.
     *
     * @throws DataFormatException if the file is missing or malformed
     */
    public static Dataset read(Path file, Options options) {
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return read(r, file.toString(), options);
        } catch (IOException e) {
            throw unreadable(file, e);
        }
    }

    /**
     * Reads CSV text; {@code source} names it in errors. Without a header row, columns are named by
     * position ({@code 0}, {@code 1}, …). The label column defaults to one named {@code label},
     * {@code target}, {@code class} or {@code y} (case-insensitive), else the last column.
     */
    public static Dataset read(Reader reader, String source, Options options) throws IOException {
        BufferedReader in = new BufferedReader(reader);
        List<String> header = null;
        List<String[]> rows = new ArrayList<>();
        List<Integer> lineNumbers = new ArrayList<>();
        String line;
        int lineNo = 0;
        int width = -1;
        while ((line = in.readLine()) != null) {
            lineNo++;
            if (line.isBlank()) {
                continue;
            }
            List<String> fields = split(line, source, lineNo);
            if (header == null && options.header()) {
                header = fields;
                width = fields.size();
                continue;
            }
            if (width < 0) {
                width = fields.size();
            }
            if (fields.size() != width) {
                throw new DataFormatException(
                        source
                                + ":"
                                + lineNo
                                + ": expected "
                                + width
                                + " fields (as in the first row) but found "
                                + fields.size());
            }
            rows.add(fields.toArray(String[]::new));
            lineNumbers.add(lineNo);
        }
        if (rows.isEmpty()) {
            throw new DataFormatException(source + ": no data rows");
        }
        if (header == null) {
            header = new ArrayList<>();
            for (int i = 0; i < width; i++) {
                header.add(Integer.toString(i));
            }
        }
        if (width < 2) {
            throw new DataFormatException(
                    source
                            + ": expected at least 2 columns (features and a label), found "
                            + width);
        }
        header = trimmed(header);
        for (int j = 0; j < header.size(); j++) {
            if (header.indexOf(header.get(j)) != j) {
                throw new DataFormatException(
                        source
                                + ": column name '"
                                + header.get(j)
                                + "' appears twice in the header; expected unique names");
            }
        }
        int label = labelIndex(header, options.labelColumn(), source);
        int[] cols = featureIndices(header, label, options.featureColumns(), source);
        int features = cols.length;
        float[] x = new float[rows.size() * features];
        for (int r = 0; r < rows.size(); r++) {
            String[] row = rows.get(r);
            for (int c = 0; c < features; c++) {
                x[r * features + c] =
                        number(row[cols[c]], source, lineNumbers.get(r), header.get(cols[c]));
            }
        }
        if (options.regression()) {
            float[] y = new float[rows.size()];
            for (int r = 0; r < rows.size(); r++) {
                y[r] = number(rows.get(r)[label], source, lineNumbers.get(r), header.get(label));
            }
            return new Dataset(source, x, features, y, 1, List.of());
        }
        for (int r = 0; r < rows.size(); r++) {
            if (rows.get(r)[label].isBlank()) {
                throw cellError(
                        source,
                        lineNumbers.get(r),
                        header.get(label),
                        "expected a class label but found an empty cell");
            }
        }
        if (options.classNames() != null) {
            return fixedClasses(source, rows, lineNumbers, label, header, x, features, options);
        }
        return classification(source, rows, label, x, features);
    }

    /**
     * Indices of the feature columns: {@code wanted} by name in that order, or every column but the
     * label.
     */
    private static int[] featureIndices(
            List<String> header, int label, List<String> wanted, String source) {
        if (wanted == null) {
            int[] cols = new int[header.size() - (label >= 0 ? 1 : 0)];
            int c = 0;
            for (int j = 0; j < header.size(); j++) {
                if (j != label) {
                    cols[c++] = j;
                }
            }
            return cols;
        }
        int[] cols = new int[wanted.size()];
        List<String> missing = new ArrayList<>();
        for (int i = 0; i < cols.length; i++) {
            cols[i] = header.indexOf(wanted.get(i));
            if (cols[i] < 0 || cols[i] == label) {
                missing.add(wanted.get(i));
            }
        }
        if (!missing.isEmpty()) {
            throw new DataFormatException(
                    source
                            + ": expected the feature column"
                            + (missing.size() == 1 ? " " : "s ")
                            + preview(missing)
                            + " but the header has no such column (columns: "
                            + preview(header)
                            + ")");
        }
        return cols;
    }

    private static Dataset fixedClasses(
            String source,
            List<String[]> rows,
            List<Integer> lineNumbers,
            int label,
            List<String> header,
            float[] x,
            int features,
            Options options) {
        java.util.Map<String, Integer> index = new java.util.HashMap<>();
        List<String> names = options.classNames();
        for (int i = 0; i < names.size(); i++) {
            index.put(names.get(i), i);
        }
        float[] y = new float[rows.size()];
        for (int r = 0; r < rows.size(); r++) {
            String v = rows.get(r)[label].trim();
            Integer c = index.get(v);
            if (c == null) {
                throw cellError(
                        source,
                        lineNumbers.get(r),
                        header.get(label),
                        "expected one of the classes " + preview(names) + " but found '" + v + "'");
            }
            y[r] = c;
        }
        return new Dataset(source, x, features, y, 1, names);
    }

    /**
     * Feature rows of a CSV file with a header row, for prediction: every column but {@code
     * dropColumn} (when the file has it) must be numeric.
     *
     * @return a dataset of the features with zero targets and no classes
     * @throws DataFormatException if the file is missing or malformed
     */
    public static Dataset readFeatures(Path file, String dropColumn) {
        return readFeatures(file, dropColumn, null);
    }

    /**
     * Feature rows of a CSV file with a header row, for prediction: the columns named {@code
     * featureColumns}, in that order (any other column, {@code dropColumn} among them, is ignored);
     * when {@code featureColumns} is null, every column but {@code dropColumn} (when the file has
     * it), in file order. The chosen columns must be numeric.
     *
     * @return a dataset of the features with zero targets and no classes
     * @throws DataFormatException if the file is missing or malformed, or lacks a named column
     */
    public static Dataset readFeatures(Path file, String dropColumn, List<String> featureColumns) {
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line = in.readLine();
            if (line == null) {
                throw new DataFormatException(file + ": empty file (expected a header row)");
            }
            List<String> header = trimmed(split(line, file.toString(), 1));
            int drop = dropColumn == null ? -1 : header.indexOf(dropColumn.trim());
            int width = header.size();
            int[] cols = featureIndices(header, drop, featureColumns, file.toString());
            int features = cols.length;
            List<float[]> rows = new ArrayList<>();
            int lineNo = 1;
            while ((line = in.readLine()) != null) {
                lineNo++;
                if (line.isBlank()) {
                    continue;
                }
                List<String> fields = split(line, file.toString(), lineNo);
                if (fields.size() != width) {
                    throw new DataFormatException(
                            file
                                    + ":"
                                    + lineNo
                                    + ": expected "
                                    + width
                                    + " fields (as in the header) but found "
                                    + fields.size());
                }
                float[] r = new float[features];
                for (int c = 0; c < features; c++) {
                    r[c] =
                            number(
                                    fields.get(cols[c]),
                                    file.toString(),
                                    lineNo,
                                    header.get(cols[c]));
                }
                rows.add(r);
            }
            if (features < 1) {
                throw new DataFormatException(file + ": no feature columns");
            }
            float[] x = new float[rows.size() * features];
            for (int r = 0; r < rows.size(); r++) {
                System.arraycopy(rows.get(r), 0, x, r * features, features);
            }
            return new Dataset(file.toString(), x, features, new float[rows.size()], 1, List.of());
        } catch (IOException e) {
            throw unreadable(file, e);
        }
    }

    private static Dataset classification(
            String source, List<String[]> rows, int label, float[] x, int features) {
        boolean integers = true;
        long max = -1;
        for (String[] row : rows) {
            String v = row[label].trim();
            try {
                long l = Long.parseLong(v);
                if (l < 0) {
                    integers = false;
                    break;
                }
                max = Math.max(max, l);
            } catch (NumberFormatException e) {
                integers = false;
                break;
            }
        }
        float[] y = new float[rows.size()];
        List<String> names = new ArrayList<>();
        if (integers && max < 100_000) {
            for (int i = 0; i <= max; i++) {
                names.add(Integer.toString(i));
            }
            for (int r = 0; r < rows.size(); r++) {
                y[r] = Integer.parseInt(rows.get(r)[label].trim());
            }
        } else {
            TreeSet<String> distinct = new TreeSet<>();
            for (String[] row : rows) {
                distinct.add(row[label].trim());
            }
            TreeMap<String, Integer> index = new TreeMap<>();
            for (String s : distinct) {
                index.put(s, names.size());
                names.add(s);
            }
            for (int r = 0; r < rows.size(); r++) {
                y[r] = index.get(rows.get(r)[label].trim());
            }
        }
        if (names.size() < 2) {
            throw new DataFormatException(
                    source
                            + ": the label column has "
                            + names.size()
                            + " distinct value(s); classification needs at least 2");
        }
        return new Dataset(source, x, features, y, 1, names);
    }

    private static int labelIndex(List<String> header, String wanted, String source) {
        if (wanted != null) {
            for (int i = 0; i < header.size(); i++) {
                if (header.get(i).trim().equals(wanted)) {
                    return i;
                }
            }
            throw new DataFormatException(
                    source
                            + ": no column named '"
                            + wanted
                            + "' (columns: "
                            + preview(header)
                            + ")");
        }
        for (String candidate : new String[] {"label", "target", "class", "y"}) {
            for (int i = 0; i < header.size(); i++) {
                if (header.get(i).trim().toLowerCase(Locale.ROOT).equals(candidate)) {
                    return i;
                }
            }
        }
        return header.size() - 1;
    }

    private static String preview(List<String> header) {
        return header.size() <= 12
                ? String.join(", ", header)
                : String.join(", ", header.subList(0, 12)) + ", …";
    }

    private static float number(String field, String source, int line, String column) {
        String v = field.trim();
        float f;
        try {
            f = Float.parseFloat(v);
        } catch (NumberFormatException e) {
            throw cellError(source, line, column, "expected a number but found '" + v + "'");
        }
        if (!Float.isFinite(f)) {
            throw cellError(source, line, column, "expected a finite number but found '" + v + "'");
        }
        return f;
    }

    /** "SOURCE:LINE: column 'NAME': WHAT", the error for one cell. */
    private static DataFormatException cellError(
            String source, int line, String column, String what) {
        return new DataFormatException(source + ":" + line + ": column '" + column + "': " + what);
    }

    /** Splits one line on commas, honouring double quotes ({@code ""} is a literal quote). */
    static List<String> split(String line, String source, int lineNo) {
        List<String> out = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char ch = line.charAt(i);
            if (quoted) {
                if (ch == '"') {
                    if (i + 1 < line.length() && line.charAt(i + 1) == '"') {
                        field.append('"');
                        i++;
                    } else {
                        quoted = false;
                    }
                } else {
                    field.append(ch);
                }
            } else if (ch == '"') {
                quoted = true;
            } else if (ch == ',') {
                out.add(field.toString());
                field.setLength(0);
            } else {
                field.append(ch);
            }
        }
        if (quoted) {
            throw new DataFormatException(source + ":" + lineNo + ": unterminated quoted field");
        }
        out.add(field.toString());
        return out;
    }
}
