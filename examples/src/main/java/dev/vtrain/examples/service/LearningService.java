package dev.vtrain.examples.service;

import com.sun.management.ThreadMXBean;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.vtrain.serve.Predictor;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * The HTTP front of an {@link OnlineClassifier}, on loopback:
 *
 * <ul>
 *   <li>{@code POST /examples}: one labelled example per line, {@code label,x1,...,xn} (the label
 *       a class name); answers {@code {"accepted": k}}.
 *   <li>{@code POST /predict}: one sample, {@code x1,...,xn}; answers {@code {"class": name,
 *       "probabilities": [...], "version": v}} from the newest published snapshot.
 *   <li>{@code GET /stats}: examples, training steps, snapshot version, predictions, and the bytes
 *       the predictor calls allocated (measured around each call on the serving thread).
 * </ul>
 *
 * Bad input gets 400 and one line saying what was expected and what was found.
 *
 * <p>Run it: {@code java --add-modules jdk.incubator.vector -cp ... LearningService 8080 16
 * a,b,c,d} (port, features, classes).
 */
public final class LearningService implements AutoCloseable {
    private static final ThreadMXBean THREADS =
            (ThreadMXBean) ManagementFactory.getThreadMXBean();

    private final OnlineClassifier classifier;
    private final HttpServer server;
    private final ExecutorService executor;
    private final LongAdder predictions = new LongAdder();
    private final LongAdder predictorBytes = new LongAdder();
    private final ThreadLocal<float[]> samples;
    private final ThreadLocal<float[]> outputs;

    /** Starts serving {@code classifier} on loopback {@code port} (0: any free port). */
    public LearningService(OnlineClassifier classifier, int port, int servingThreads)
            throws IOException {
        this.classifier = classifier;
        int f = classifier.settings().features();
        int k = classifier.settings().classes().size();
        this.samples = ThreadLocal.withInitial(() -> new float[f]);
        this.outputs = ThreadLocal.withInitial(() -> new float[k]);
        try {
            this.server =
                    HttpServer.create(
                            new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 64);
        } catch (IOException | RuntimeException e) {
            classifier.close(); // it owns a running training thread
            throw e;
        }
        this.executor = Executors.newFixedThreadPool(servingThreads);
        server.setExecutor(executor);
        server.createContext("/examples", this::examples);
        server.createContext("/predict", this::predict);
        server.createContext("/stats", this::stats);
        server.start();
    }

    /** The port it listens on. */
    public int port() {
        return server.getAddress().getPort();
    }

    /** The classifier behind it. */
    public OnlineClassifier classifier() {
        return classifier;
    }

    /** Predictions answered so far. */
    public long predictions() {
        return predictions.sum();
    }

    /** Bytes allocated inside predictor calls so far (0 after warm-up). */
    public long predictorBytes() {
        return predictorBytes.sum();
    }

    private void examples(HttpExchange ex) throws IOException {
        if (!expect(ex, "POST")) {
            return;
        }
        String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        List<String> classes = classifier.settings().classes();
        int f = classifier.settings().features();
        String[] lines = body.split("\n", -1);
        // Every line is checked before any is added: a request is taken whole or not at all.
        List<float[]> xs = new java.util.ArrayList<>();
        List<Integer> labels = new java.util.ArrayList<>();
        for (int n = 0; n < lines.length; n++) {
            String line = lines[n].strip();
            if (line.isEmpty()) {
                continue;
            }
            String[] cells = line.split(",", -1);
            int label = classes.indexOf(cells[0].strip());
            if (label < 0) {
                reply(
                        ex,
                        400,
                        "line "
                                + (n + 1)
                                + ": unknown class '"
                                + cells[0]
                                + "' (expected one of "
                                + classes
                                + ")\n");
                return;
            }
            float[] x = new float[f];
            String error = parse(cells, 1, x);
            if (error != null) {
                reply(ex, 400, "line " + (n + 1) + ": " + error + "\n");
                return;
            }
            xs.add(x);
            labels.add(label);
        }
        for (int i = 0; i < xs.size(); i++) {
            classifier.add(xs.get(i), labels.get(i));
        }
        int accepted = xs.size();
        reply(ex, 200, "{\"accepted\": " + accepted + "}\n");
    }

    private void predict(HttpExchange ex) throws IOException {
        if (!expect(ex, "POST")) {
            return;
        }
        String body =
                new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8).strip();
        float[] x = samples.get();
        String error = parse(body.split(",", -1), 0, x);
        if (error != null) {
            reply(ex, 400, error + "\n");
            return;
        }
        float[] p = outputs.get();
        Predictor predictor = classifier.predictor();
        long before = THREADS.getCurrentThreadAllocatedBytes();
        predictor.predict(x, p);
        predictorBytes.add(THREADS.getCurrentThreadAllocatedBytes() - before);
        predictions.increment();
        int best = 0;
        for (int i = 1; i < p.length; i++) {
            best = p[i] > p[best] ? i : best;
        }
        StringBuilder json = new StringBuilder(64 + 12 * p.length);
        json.append("{\"class\": \"")
                .append(predictor.classNames().get(best))
                .append("\", \"probabilities\": [");
        for (int i = 0; i < p.length; i++) {
            json.append(i == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.5f", p[i]));
        }
        json.append("], \"version\": ").append(predictor.version()).append("}\n");
        reply(ex, 200, json.toString());
    }

    private void stats(HttpExchange ex) throws IOException {
        if (!expect(ex, "GET")) {
            return;
        }
        reply(
                ex,
                200,
                String.format(
                        Locale.ROOT,
                        "{\"examples\": %d, \"steps\": %d, \"version\": %d, \"predictions\": %d,"
                                + " \"predictor_bytes\": %d, \"training\": \"%s\"}%n",
                        classifier.examples(),
                        classifier.steps(),
                        classifier.version(),
                        predictions(),
                        predictorBytes(),
                        classifier.failure() == null
                                ? "running"
                                : "stopped: "
                                        + classifier.failure().toString().replace('"', '\'')));
    }

    /** Parses the features in {@code cells[from..]} into {@code x}; returns an error or null. */
    private static String parse(String[] cells, int from, float[] x) {
        if (cells.length - from != x.length) {
            return "expected " + x.length + " features but found " + (cells.length - from);
        }
        for (int i = 0; i < x.length; i++) {
            String c = cells[from + i].strip();
            try {
                x[i] = Float.parseFloat(c);
            } catch (NumberFormatException e) {
                return "feature " + (i + 1) + ": expected a number but found '" + c + "'";
            }
            if (!Float.isFinite(x[i])) {
                return "feature " + (i + 1) + ": expected a finite number but found '" + c + "'";
            }
        }
        return null;
    }

    private static boolean expect(HttpExchange ex, String method) throws IOException {
        if (ex.getRequestMethod().equals(method)) {
            return true;
        }
        reply(ex, 405, "expected " + method + " but found " + ex.getRequestMethod() + "\n");
        return false;
    }

    private static void reply(HttpExchange ex, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", status == 200 ? "application/json" : "text/plain");
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    /** Stops the server, waits for the serving threads, then stops the classifier. */
    @Override
    public void close() {
        server.stop(0);
        executor.shutdown();
        try {
            if (!executor.awaitTermination(10, TimeUnit.SECONDS)) {
                executor.shutdownNow();
                if (!executor.awaitTermination(10, TimeUnit.SECONDS)) {
                    // A serving thread still runs: leave its predictor alone rather than free
                    // memory under it.
                    System.err.println("serving threads did not stop; predictors left open");
                    return;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        classifier.close();
    }

    /** {@code LearningService PORT FEATURES CLASS,CLASS,...}: serves until killed. */
    public static void main(String[] args) throws Exception {
        if (args.length != 3) {
            System.err.println("usage: LearningService PORT FEATURES CLASS,CLASS,...");
            System.exit(2);
        }
        OnlineClassifier c =
                new OnlineClassifier(
                        OnlineClassifier.Settings.of(
                                Integer.parseInt(args[1]), Arrays.asList(args[2].split(",", -1))));
        LearningService s = new LearningService(c, Integer.parseInt(args[0]), 2);
        System.out.println("listening on http://127.0.0.1:" + s.port());
    }
}
