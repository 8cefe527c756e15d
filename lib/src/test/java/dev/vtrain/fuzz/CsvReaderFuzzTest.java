package dev.vtrain.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.vtrain.data.CsvReader;
import dev.vtrain.data.DataFormatException;
import dev.vtrain.data.Dataset;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;

/**
 * The CSV reader on arbitrary text: it returns a consistent dataset or throws {@link
 * DataFormatException}; any other exception is a bug. Regression mode runs the committed inputs
 * under {@code CsvReaderFuzzTestInputs/}; {@code tools/fuzz.sh} fuzzes it.
 */
class CsvReaderFuzzTest {
    @FuzzTest(maxDuration = "10m")
    void readsOrRejectsAnyText(byte[] input) throws IOException {
        String text = new String(input, StandardCharsets.UTF_8);
        for (CsvReader.Options o :
                new CsvReader.Options[] {
                    CsvReader.Options.classification(null),
                    new CsvReader.Options(null, true, true),
                    new CsvReader.Options(null, false, false),
                    new CsvReader.Options("b", true, false, java.util.List.of("a"), null),
                    new CsvReader.Options(null, true, false, null, java.util.List.of("0", "x"))
                }) {
            try {
                Dataset d = CsvReader.read(new StringReader(text), "fuzz.csv", o);
                FuzzInvariants.check(d);
            } catch (DataFormatException expected) {
                FuzzInvariants.oneLine(expected);
            }
        }
    }
}
