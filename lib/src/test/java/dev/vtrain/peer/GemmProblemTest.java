package dev.vtrain.peer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.vtrain.backend.cpu.CpuBackend;
import dev.vtrain.backend.scalar.ScalarBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class GemmProblemTest {
    @ParameterizedTest
    @ValueSource(strings = {"5x7x3nn", "5x7x3nt", "5x7x3tn", "5x7x3tt", "33x17x70nt"})
    void sameShapeGivesTheSameProductOnEveryBackend(String shape) {
        try (ScalarBackend ref = new ScalarBackend();
                CpuBackend cpu = new CpuBackend(2);
                GemmProblem r = new GemmProblem(ref, shape);
                GemmProblem c = new GemmProblem(cpu, shape)) {
            r.vtrain(ref);
            c.vtrain(cpu);
            float[] expected = new float[Math.toIntExact(r.c().size())];
            float[] actual = new float[expected.length];
            ref.download(r.c(), expected, 0);
            cpu.download(c.c(), actual, 0);
            for (int i = 0; i < expected.length; i++) {
                assertEquals(expected[i], actual[i], 1e-5f, shape + " element " + i);
            }
            int k =
                    Integer.parseInt(
                            shape.substring(shape.lastIndexOf('x') + 1, shape.length() - 2));
            assertEquals(2.0 * expected.length * k, c.flops());
        }
    }

    @Test
    void malformedShapesAreRejectedWithTheExpectedForm() {
        try (ScalarBackend ref = new ScalarBackend()) {
            IllegalArgumentException e =
                    assertThrows(
                            IllegalArgumentException.class, () -> new GemmProblem(ref, "5x7nt"));
            assertEquals(
                    "Expected a GEMM shape like 128x256x784nt (m×n×k, then n or t for A and B), got"
                            + " '5x7nt'",
                    e.getMessage());
        }
    }
}
