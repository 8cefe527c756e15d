package dev.vtrain.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * The run-time intrinsification check, on the test JVM (C2 on, Vector API module loaded). A kernel
 * that falls off its intrinsics boxes vectors, so zero bytes allocated per call is the
 * deterministic signal asserted here; the probe's speed ratio (which {@code vtrain info} also
 * reports) depends on how busy the machine is and is only printed.
 */
class VectorProbeTest {
    @Test
    void kernelsAllocateNothingOnTheTestJvm() {
        VectorProbe.Result r = VectorProbe.run(5_000_000_000L);
        System.out.println("VectorProbeTest: " + r.summary());
        assertEquals(0, r.bytesPerCall(), r.summary());
    }
}
