package dev.vtrain.backend.cuda;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Test-only: the CUDA backends the GPU tests run on. {@code fake} is the fake driver (kernels on
 * the CPU; needs g++), run wherever the tests run; {@code gpu} is the real GPU the probe finds,
 * skipped with the probe's reason where there is none (as in CI).
 */
final class TestDevices {
    private TestDevices() {}

    /** The device names for {@code @ValueSource}. */
    static final String FAKE = "fake";

    static final String GPU = "gpu";

    /** Opens a backend on {@code device}, or skips the test saying why it cannot. */
    static CudaBackend open(String device) {
        if (device.equals(FAKE)) {
            String problem = FakeCuda.unavailable();
            assumeTrue(problem == null, () -> "fake CUDA driver not built: " + problem);
            return FakeCuda.backend();
        }
        CudaProbe.Result probe = CudaProbe.cached();
        assumeTrue(probe.usable(), () -> "no GPU to test on: " + probe.reason());
        return CudaBackend.open();
    }
}
