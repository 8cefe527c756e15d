package dev.vtrain.backend.cuda;

import dev.vtrain.tensor.Storage;
import dev.vtrain.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * The start-up probe that decides whether the CUDA backend can run here: load the driver and cuBLAS
 * ({@link CudaLibraries}), bind their symbols, {@code cuInit}, find a device, retain its primary
 * context, create a stream and a cuBLAS handle, load the kernels' PTX, and run a tiny SGEMM with a
 * bias and a sum of squares checked against the same arithmetic on the CPU. The first step that
 * fails is the reason, in one line. {@link #cached()} runs it once per JVM; any thread may call
 * either method.
 *
 * <p>System properties: {@value #DEVICE_PROPERTY} (device ordinal, default 0) and {@value
 * #MATH_PROPERTY} ({@code fp32}, the default, or {@code tf32} to let cuBLAS use TF32 tensor cores
 * for FP32 GEMM), besides the library properties of {@link CudaLibraries}.
 */
public final class CudaProbe {
    /** System property: the CUDA device ordinal to use (default 0). */
    public static final String DEVICE_PROPERTY = "vtrain.cuda.device";

    /** System property: {@code fp32} (default) or {@code tf32} GEMM math. */
    public static final String MATH_PROPERTY = "vtrain.cuda.math";

    private CudaProbe() {}

    /**
     * What the probe found.
     *
     * @param usable whether the CUDA backend can run
     * @param reason one line: the device that passed, or the step that failed and why
     * @param details one line per step that ran, for {@code vtrain info}
     */
    public record Result(boolean usable, String reason, List<String> details) {
        /** A defensive copy. */
        public Result {
            details = List.copyOf(details);
        }
    }

    private record Bindings(CudaDriver driver, Cublas cublas) {}

    private static final class Once {
        static final Object[] STATE = runAndKeep();
    }

    /** The probe's result, run once per JVM on first use. */
    public static Result cached() {
        return (Result) Once.STATE[0];
    }

    /** Opens a context on the probed device with the probed libraries. */
    static CudaContext openContext() {
        Bindings b = (Bindings) Once.STATE[1];
        if (b == null) {
            throw new IllegalStateException(cached().reason());
        }
        return CudaContext.open(b.driver(), b.cublas(), ordinal(), tf32());
    }

    /** Runs the probe now (loading the libraries the current properties name). */
    public static Result run() {
        return (Result) runAndKeep()[0];
    }

    private static Object[] runAndKeep() {
        List<String> details = new ArrayList<>();
        String step = "loading the CUDA driver";
        try {
            CudaLibraries.Loaded driverLib = CudaLibraries.driver();
            step = "binding the CUDA driver";
            CudaDriver driver = new CudaDriver(driverLib);
            step = "cuInit";
            driver.init();
            int version = driver.driverVersion();
            details.add(
                    "driver: "
                            + driverLib.origin()
                            + ", CUDA "
                            + version / 1000
                            + "."
                            + (version % 1000) / 10);
            if (version < 13000) {
                return failed(
                        "the driver supports CUDA "
                                + version / 1000
                                + "."
                                + (version % 1000) / 10
                                + "; vtrain's kernels are PTX from CUDA 13 and need a driver of the"
                                + " 580 series or later",
                        details);
            }
            step = "counting devices";
            int count = driver.deviceCount();
            if (count == 0) {
                return failed("no CUDA device (the driver sees none)", details);
            }
            step = "loading cuBLAS";
            CudaLibraries.Loaded cublasLib = CudaLibraries.cublas();
            step = "binding cuBLAS";
            Cublas cublas = new Cublas(cublasLib);
            details.add("cuBLAS: " + cublasLib.origin());
            step = "opening device " + ordinal();
            try (CudaBackend backend =
                    CudaBackend.over(CudaContext.open(driver, cublas, ordinal(), false))) {
                details.add("device " + ordinal() + " of " + count + ": " + backend.description());
                step = "checking a small SGEMM, bias and sum of squares against the CPU";
                String check = check(backend);
                if (check != null) {
                    return failed(check, details);
                }
                details.add("check: 7x5x3 SGEMM (Bᵀ), bias and sum of squares agree with the CPU");
                return new Object[] {
                    new Result(true, backend.description(), details), new Bindings(driver, cublas)
                };
            }
        } catch (RuntimeException | LinkageError e) {
            String message = String.valueOf(e.getMessage());
            return failed(message.startsWith(step) ? message : step + ": " + message, details);
        }
    }

    private static Object[] failed(String why, List<String> details) {
        details.add("unusable: " + why);
        return new Object[] {new Result(false, "no usable GPU: " + why, details), null};
    }

    /** Null when the GPU's results match the CPU's, else what differed. */
    private static String check(CudaBackend backend) {
        int m = 7;
        int n = 5;
        int k = 3;
        float[] a = new float[m * k];
        float[] b = new float[n * k];
        float[] bias = new float[n];
        for (int i = 0; i < a.length; i++) {
            a[i] = (i % 5 - 2) * 0.25f;
        }
        for (int i = 0; i < b.length; i++) {
            b[i] = (i % 7 - 3) * 0.5f;
        }
        for (int i = 0; i < n; i++) {
            bias[i] = i - 2f;
        }
        float[] expected = new float[m * n];
        double squares = 0;
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = bias[j];
                for (int p = 0; p < k; p++) {
                    s += (double) a[i * k + p] * b[j * k + p];
                }
                expected[i * n + j] = (float) s;
                squares += s * s;
            }
        }
        try (Storage sa = backend.allocate(a.length);
                Storage sb = backend.allocate(b.length);
                Storage sbias = backend.allocate(n);
                Storage sc = backend.allocate((long) m * n)) {
            Tensor ta = Tensor.of(sa, 0, m, k);
            Tensor tb = Tensor.of(sb, 0, n, k);
            Tensor tbias = Tensor.of(sbias, 0, n);
            Tensor tc = Tensor.of(sc, 0, m, n);
            backend.upload(a, 0, ta);
            backend.upload(b, 0, tb);
            backend.upload(bias, 0, tbias);
            backend.fill(tc, Float.NaN);
            backend.gemm(tc, ta, false, tb, true, 1f, 0f);
            backend.addRowVector(tc, tbias);
            double gotSquares = backend.sumOfSquares(tc);
            float[] got = new float[m * n];
            backend.download(tc, got, 0);
            for (int i = 0; i < got.length; i++) {
                if (!(Math.abs(got[i] - expected[i]) <= 1e-5f * (1 + Math.abs(expected[i])))) {
                    return "the GPU's SGEMM gave "
                            + got[i]
                            + " where the CPU gives "
                            + expected[i]
                            + " (element "
                            + i
                            + ")";
                }
            }
            if (!(Math.abs(gotSquares - squares) <= 1e-4 * (1 + squares))) {
                return "the GPU's sum of squares gave " + gotSquares + ", the CPU " + squares;
            }
        }
        return null;
    }

    private static int ordinal() {
        String s = System.getProperty(DEVICE_PROPERTY, "0").trim();
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            throw new IllegalStateException(
                    "-D" + DEVICE_PROPERTY + " must be a device ordinal, got '" + s + "'", e);
        }
    }

    private static boolean tf32() {
        String s = System.getProperty(MATH_PROPERTY, "fp32").trim();
        return switch (s) {
            case "fp32" -> false;
            case "tf32" -> true;
            default ->
                    throw new IllegalStateException(
                            "-D" + MATH_PROPERTY + " must be fp32 or tf32, got '" + s + "'");
        };
    }
}
