package dev.vtrain.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReadersTest {
    private static byte[] idx(int type, int[] dims, byte[] data) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write(0);
        b.write(0);
        b.write(type);
        b.write(dims.length);
        for (int d : dims) {
            b.write(d >>> 24);
            b.write(d >>> 16);
            b.write(d >>> 8);
            b.write(d);
        }
        b.writeBytes(data);
        return b.toByteArray();
    }

    @Test
    void idxPlainAndGzipped(@TempDir Path dir) throws IOException {
        byte[] raw = idx(8, new int[] {2, 3}, new byte[] {0, 1, 2, (byte) 200, (byte) 255, 5});
        Path plain = dir.resolve("a-idx2-ubyte");
        Files.write(plain, raw);
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
            out.write(raw);
        }
        Path zipped = dir.resolve("a-idx2-ubyte.gz");
        Files.write(zipped, gz.toByteArray());
        for (Path p : new Path[] {plain, zipped}) {
            IdxReader.IdxArray a = IdxReader.read(p);
            assertArrayEquals(new int[] {2, 3}, a.dims());
            assertEquals(200, a.get(3));
            assertEquals(255, a.get(4));
        }
    }

    private static String idxError(byte[] bytes) {
        return assertThrows(
                        DataFormatException.class,
                        () -> IdxReader.read(new ByteArrayInputStream(bytes), "f.idx"))
                .getMessage();
    }

    @Test
    void idxErrorsNameWhatWasExpected() {
        assertEquals(
                "f.idx: not an IDX file (expected magic 00 00 at the start, found 01 00)",
                idxError(new byte[] {1, 0, 8, 1, 0, 0, 0, 0}));
        assertEquals(
                "f.idx: unsupported IDX element type 0x0d (expected 0x08, unsigned byte)",
                idxError(idx(0x0d, new int[] {1}, new byte[4])));
        assertEquals(
                "f.idx: truncated IDX data (header promises 6 bytes, found 2)",
                idxError(idx(8, new int[] {2, 3}, new byte[2])));
        assertEquals(
                "f.idx: trailing bytes after the 1 IDX data bytes",
                idxError(idx(8, new int[] {1}, new byte[2])));
        assertTrue(
                idxError(idx(8, new int[] {65536, 65536}, new byte[0]))
                        .contains("describe more than"));
    }

    @Test
    void fashionMnistDirectoryMissingSaysHowToGetIt(@TempDir Path dir) {
        String m =
                assertThrows(DataFormatException.class, () -> FashionMnist.load(dir)).getMessage();
        assertTrue(
                m.contains("missing train-images-idx3-ubyte[.gz]")
                        && m.contains("dataset-fashion-mnist"),
                m);
    }

    @Test
    void csvWithStringLabelsChosenByName() throws IOException {
        String csv = "sepal,species,petal\n1.5,setosa,0.2\n\"2.5\",virginica,1.8\n3,setosa,0.3\n";
        Dataset d =
                CsvReader.read(
                        new StringReader(csv),
                        "iris.csv",
                        CsvReader.Options.classification("species"));
        assertEquals(3, d.size());
        assertEquals(2, d.featureCount());
        assertEquals(List.of("setosa", "virginica"), d.classNames());
        assertArrayEquals(new float[] {0, 1, 0}, d.targets());
        assertArrayEquals(new float[] {1.5f, 0.2f, 2.5f, 1.8f, 3f, 0.3f}, d.features());
    }

    @Test
    void csvIntegerLabelsAreClassIndicesAndDefaultColumnIsLabel() throws IOException {
        Dataset d =
                CsvReader.read(
                        new StringReader("label,x\n2,0.5\n0,1\n"),
                        "d.csv",
                        CsvReader.Options.classification(null));
        assertEquals(List.of("0", "1", "2"), d.classNames());
        assertArrayEquals(new float[] {2, 0}, d.targets());
    }

    @Test
    void csvErrors() {
        assertEquals(
                "d.csv: no column named 'kind' (columns: a, b)", csvError("a,b\n1,2\n", "kind"));
        assertEquals(
                "d.csv:3: expected 2 fields (as in the first row) but found 3",
                csvError("a,b\n1,2\n1,2,3\n", null));
        assertEquals(
                "d.csv:2: column 'a': expected a finite number but found 'NaN'",
                csvError("a,b\nNaN,1\n2,0\n", null));
        assertEquals("d.csv: no data rows", csvError("a,b\n", null));
        assertEquals(
                "d.csv: the label column has 1 distinct value(s); classification needs at least 2",
                csvError("a,b\n1,x\n2,x\n", null));
    }

    private static String csvError(String text, String label) {
        return assertThrows(
                        DataFormatException.class,
                        () ->
                                CsvReader.read(
                                        new StringReader(text),
                                        "d.csv",
                                        CsvReader.Options.classification(label)))
                .getMessage();
    }

    @Test
    void splitsAreSeededDisjointAndComplete() {
        float[] x = new float[100];
        for (int i = 0; i < x.length; i++) {
            x[i] = i;
        }
        Dataset d = new Dataset("d", x, 1, new float[100], 1, List.of("a", "b"));
        Splits.Split s = Splits.split(d, 0.1, 0.2, 7);
        assertEquals(70, s.train().size());
        assertEquals(10, s.validation().size());
        assertEquals(20, s.test().size());
        java.util.Set<Float> seen = new java.util.HashSet<>();
        for (Dataset part : new Dataset[] {s.train(), s.validation(), s.test()}) {
            for (float v : part.features()) {
                assertTrue(seen.add(v), "sample in two parts: " + v);
            }
        }
        assertArrayEquals(s.test().features(), Splits.split(d, 0.1, 0.2, 7).test().features());
        assertThrows(IllegalArgumentException.class, () -> Splits.split(d, 0.5, 0.5, 1));
    }

    @Test
    void loaderShufflesPerEpochReproduciblyAndKeepsTheLastPartialBatch() {
        Dataset d = new Dataset("d", new float[10], 1, new float[10], 1, List.of("a", "b"));
        DataLoader a = new DataLoader(d, 4, true, 3);
        DataLoader b = new DataLoader(d, 4, true, 3);
        assertEquals(3, a.batches());
        assertEquals(2, a.rows(2));
        int[] e0 = order(a, 0);
        assertArrayEquals(e0, order(b, 0));
        assertTrue(!java.util.Arrays.equals(e0, order(a, 1)), "epochs differ");
        int[] sorted = e0.clone();
        java.util.Arrays.sort(sorted);
        assertArrayEquals(new int[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, sorted);
    }

    private static int[] order(DataLoader loader, int epoch) {
        float[] x = new float[10];
        for (int i = 0; i < 10; i++) {
            x[i] = i;
        }
        Dataset d = new Dataset("d", x, 1, new float[10], 1, List.of("a", "b"));
        DataLoader l = new DataLoader(d, 4, true, 3);
        l.startEpoch(epoch);
        try (var backend = new dev.vtrain.backend.scalar.ScalarBackend();
                var s = backend.allocate(64)) {
            var xt = dev.vtrain.tensor.Tensor.of(s, 0, 4, 1);
            var yt = dev.vtrain.tensor.Tensor.of(s, 16, 4, 1);
            int[] out = new int[10];
            int k = 0;
            for (int bi = 0; bi < l.batches(); bi++) {
                int rows = l.load(bi, backend, xt, yt);
                float[] buf = new float[rows];
                backend.download(xt.firstRows(rows), buf, 0);
                for (float v : buf) {
                    out[k++] = (int) v;
                }
            }
            assertEquals(loader.batches(), l.batches());
            return out;
        }
    }
}
