package dev.vtrain.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.util.List;
import org.junit.jupiter.api.Test;

class DatasetsTest {
    private static final List<String> AB = List.of("a", "b");

    @Test
    void arraysAndBuffersGiveTheSameDatasetAndAreCopied() {
        float[][] rows = {{1, 2}, {3, 4}, {5, 6}};
        int[] labels = {0, 1, 1};
        Dataset fromRows = Datasets.classification("rows", rows, labels, AB);
        FloatBuffer fb = FloatBuffer.wrap(new float[] {9, 1, 2, 3, 4, 5, 6}).position(1);
        IntBuffer ib = IntBuffer.wrap(labels);
        Dataset fromBuffers = Datasets.classification("buffers", fb, 2, ib, AB);
        assertEquals(1, fb.position(), "the buffer's position is not moved");
        rows[0][0] = 100;
        assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, fromRows.features());
        assertArrayEquals(fromRows.features(), fromBuffers.features());
        assertArrayEquals(new float[] {0, 1, 1}, fromBuffers.targets());
        assertEquals(2, fromRows.numClasses());
        Dataset reg =
                Datasets.regression(
                        "reg", new float[][] {{1}, {2}}, new float[][] {{3, 4}, {5, 6}});
        assertEquals(2, reg.targetWidth());
        assertArrayEquals(new float[] {3, 4, 5, 6}, reg.targets());
    }

    @Test
    void badValuesAreNamedBySampleAndColumn() {
        assertEquals(
                "x: sample 1 has label 2 but the classes are 0..1 [a, b]",
                assertThrows(
                                IllegalArgumentException.class,
                                () ->
                                        Datasets.classification(
                                                "x",
                                                new float[][] {{1}, {2}},
                                                new int[] {0, 2},
                                                AB))
                        .getMessage());
        assertEquals(
                "x: sample 1, feature 0 is NaN (expected a finite number)",
                assertThrows(
                                IllegalArgumentException.class,
                                () ->
                                        Datasets.classification(
                                                "x",
                                                new float[][] {{1}, {Float.NaN}},
                                                new int[] {0, 1},
                                                AB))
                        .getMessage());
        assertEquals(
                "x: sample 1 has 1 values but sample 0 has 2",
                assertThrows(
                                IllegalArgumentException.class,
                                () ->
                                        Datasets.classification(
                                                "x",
                                                new float[][] {{1, 2}, {3}},
                                                new int[] {0, 1},
                                                AB))
                        .getMessage());
    }
}
