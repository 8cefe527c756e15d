package dev.vtrain.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.vtrain.backend.Backends;
import dev.vtrain.nn.LayerSpec;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * The start-up probe and device selection: an absent library and an absent device give a one-line
 * reason and no crash or hang; the fake device passes every step; {@code auto} never picks a GPU
 * for layers it cannot run, and {@code cuda} without a GPU is a clear error.
 */
@org.junit.jupiter.api.Tag("cuda")
class CudaProbeTest {
    /** Runs {@code body} with the library properties set, then restores them. */
    private static <T> T withLibraries(String driver, String cublas, Supplier<T> body) {
        String oldDriver = System.getProperty(CudaLibraries.DRIVER_PROPERTY);
        String oldCublas = System.getProperty(CudaLibraries.CUBLAS_PROPERTY);
        System.setProperty(CudaLibraries.DRIVER_PROPERTY, driver);
        System.setProperty(CudaLibraries.CUBLAS_PROPERTY, cublas);
        try {
            return body.get();
        } finally {
            restore(CudaLibraries.DRIVER_PROPERTY, oldDriver);
            restore(CudaLibraries.CUBLAS_PROPERTY, oldCublas);
        }
    }

    private static void restore(String key, String value) {
        if (value == null) {
            System.clearProperty(key);
        } else {
            System.setProperty(key, value);
        }
    }

    @Test
    void anAbsentDriverLibraryIsAReasonNotACrash() {
        CudaProbe.Result r =
                withLibraries("/nonexistent/libcuda.so.1", "/nonexistent/cublas", CudaProbe::run);
        assertFalse(r.usable());
        assertEquals(
                "no usable GPU: loading the CUDA driver: the CUDA driver not found: no file"
                        + " /nonexistent/libcuda.so.1 (from -Dvtrain.cuda.driver)",
                r.reason());
        assertFalse(r.reason().contains("\n"));
    }

    @Test
    void aLibraryWithoutTheSymbolsIsAReason() {
        // libm loads but is not a CUDA driver.
        String libm = "/lib/x86_64-linux-gnu/libm.so.6";
        assumeTrue(java.nio.file.Files.exists(java.nio.file.Path.of(libm)), "no " + libm);
        CudaProbe.Result r = withLibraries(libm, libm, CudaProbe::run);
        assertFalse(r.usable());
        assertTrue(
                r.reason()
                        .startsWith(
                                "no usable GPU: binding the CUDA driver: symbol cuInit missing"),
                r.reason());
    }

    @Test
    void noDeviceIsAReasonAndTheFakeDevicePassesEveryStep() {
        String problem = FakeCuda.unavailable();
        assumeTrue(problem == null, () -> "fake CUDA driver not built: " + problem);
        String driver = FakeCuda.DRIVER.toAbsolutePath().toString();
        String cublas = FakeCuda.CUBLAS.toAbsolutePath().toString();
        FakeCuda.setDevices(0);
        CudaProbe.Result none;
        try {
            none = withLibraries(driver, cublas, CudaProbe::run);
        } finally {
            FakeCuda.setDevices(1);
        }
        assertFalse(none.usable());
        assertEquals("no usable GPU: cuInit: CUDA_ERROR_NO_DEVICE (100)", none.reason());

        CudaProbe.Result fake = withLibraries(driver, cublas, CudaProbe::run);
        assertTrue(fake.usable(), fake.reason());
        assertTrue(fake.reason().contains("vtrain fake CUDA device 0"), fake.reason());
        List<String> d = fake.details();
        assertTrue(d.get(0).startsWith("driver: " + driver + ", CUDA 13.0"), d.get(0));
        assertTrue(d.get(1).startsWith("cuBLAS: " + cublas), d.get(1));
        assertTrue(d.get(2).contains("sm_90, 2 SMs, 1024 MiB, cuBLAS 130000, FP32"), d.get(2));
        assertTrue(d.get(3).startsWith("check: "), d.get(3));
    }

    @Test
    void autoKeepsToTheHostWithoutAGpuAndCudaIsAClearError() {
        assumeTrue(
                !CudaProbe.cached().usable(),
                "this machine has a usable GPU; the no-GPU behaviour is checked elsewhere");
        LayerSpec mlp =
                new LayerSpec(
                        "sequential",
                        Map.of(),
                        List.of(LayerSpec.of("linear"), LayerSpec.of("relu")));
        Backends.Selection s = Backends.create("auto", 1, mlp);
        try (var b = s.backend()) {
            assertFalse(b.name().equals("cuda"));
            assertTrue(s.reason().contains("; not the GPU: no usable GPU: "), s.reason());
        }
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> Backends.create("cuda", 1));
        assertTrue(e.getMessage().startsWith("no usable GPU: "), e.getMessage());
    }

    @Test
    void layersWithoutGpuOpsAreNamed() {
        LayerSpec gpt =
                new LayerSpec(
                        "sequential",
                        Map.of(),
                        List.of(
                                LayerSpec.of("embedding"),
                                LayerSpec.of("layernorm"),
                                LayerSpec.of("relu"),
                                LayerSpec.of("gelu"),
                                LayerSpec.of("linear")));
        assertEquals("embedding, gelu, layernorm layers", CudaBackend.unsupportedLayers(gpt));
        LayerSpec cnn =
                new LayerSpec(
                        "sequential",
                        Map.of(),
                        List.of(
                                LayerSpec.of("conv2d"),
                                LayerSpec.of("batchnorm2d"),
                                LayerSpec.of("maxpool2d"),
                                LayerSpec.of("flatten"),
                                LayerSpec.of("linear")));
        assertEquals(null, CudaBackend.unsupportedLayers(cnn));
        LayerSpec mlp =
                new LayerSpec(
                        "sequential",
                        Map.of(),
                        List.of(
                                LayerSpec.of("linear"),
                                LayerSpec.of("tanh"),
                                LayerSpec.of("dropout"),
                                new LayerSpec(
                                        "residual", Map.of(), List.of(LayerSpec.of("linear")))));
        assertEquals(null, CudaBackend.unsupportedLayers(mlp));
    }
}
