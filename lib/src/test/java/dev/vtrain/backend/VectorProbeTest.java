package dev.vtrain.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The run-time intrinsification check, on the test JVM (C2 on, Vector API module loaded). */
class VectorProbeTest {
    @Test
    void kernelsAreIntrinsifiedOnTheTestJvm() {
        VectorProbe.Result r = VectorProbe.run(5_000_000_000L);
        assertTrue(r.intrinsified(), r.summary());
        assertEquals(0, r.bytesPerCall(), r.summary());
        assertTrue(r.vectorGflops() > 2 * r.scalarGflops(), r.summary());
    }
}
