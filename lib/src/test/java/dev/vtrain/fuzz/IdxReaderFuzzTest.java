package dev.vtrain.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.vtrain.data.DataFormatException;
import dev.vtrain.data.IdxReader;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;

/**
 * The IDX reader on arbitrary bytes: it returns an array whose data fills its dimensions, or throws
 * {@link DataFormatException} (or {@link EOFException} for a stream that ends inside the header,
 * which the file reader turns into a DataFormatException); any other exception is a bug.
 */
class IdxReaderFuzzTest {
    @FuzzTest(maxDuration = "10m")
    void readsOrRejectsAnyBytes(byte[] input) throws IOException {
        try {
            IdxReader.IdxArray a = IdxReader.read(new ByteArrayInputStream(input), "fuzz.idx");
            long n = 1;
            for (int d : a.dims()) {
                n *= d;
            }
            if (n != a.data().length) {
                throw new AssertionError(a.data().length + " values for " + n + " elements");
            }
        } catch (DataFormatException expected) {
            FuzzInvariants.oneLine(expected);
        } catch (EOFException expected) {
            // a header cut short
        }
    }
}
