package dev.vtrain.examples.service;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A load test on loopback that stops by itself: it starts a {@link LearningService}, feeds it
 * labelled examples, then measures (1) training alone, (2) serving alone (training paused) and (3)
 * serving while training, with {@code clients} concurrent HTTP clients each sending one prediction
 * after another. It reports prediction latency percentiles and throughput, training steps per
 * second with and without serving, bytes allocated inside predictor calls, and the accuracy of
 * the served predictions on held-out samples. Clients and server share this JVM and machine.
 *
 * <p>{@code LoadTest [seconds per phase] [clients]}, defaults 5 and 4.
 */
public final class LoadTest {
    private static final List<String> CLASSES = List.of("a", "b", "c", "d", "e", "f", "g", "h");
    private static final int FEATURES = 32;

    /** What one phase measured. */
    public record Phase(
            String name,
            double seconds,
            long predictions,
            double p50Micros,
            double p99Micros,
            double p999Micros,
            double maxMicros,
            double stepsPerSecond,
            long predictorBytes,
            long errors) {
        /** Predictions per second. */
        public double throughput() {
            return predictions / seconds;
        }

        @Override
        public String toString() {
            return String.format(
                    Locale.ROOT,
                    "%-26s %8.0f req/s  p50 %7.0f µs  p99 %7.0f µs  p99.9 %7.0f µs  max %7.0f µs"
                            + "  %7.0f steps/s  %d B in %d predictor calls  %d errors",
                    name,
                    throughput(),
                    p50Micros,
                    p99Micros,
                    p999Micros,
                    maxMicros,
                    stepsPerSecond,
                    predictorBytes,
                    predictions,
                    errors);
        }
    }

    /** All results. */
    public record Report(List<Phase> phases, double accuracy, long versions) {}

    private LoadTest() {}

    /** Runs the load test and prints the report. */
    public static void main(String[] args) throws Exception {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 5;
        int clients = args.length > 1 ? Integer.parseInt(args[1]) : 4;
        Report r = run(seconds, clients, true);
        System.out.printf(
                Locale.ROOT,
                "held-out accuracy of served predictions %.4f; %d snapshots published%n",
                r.accuracy(),
                r.versions());
    }

    /** Runs the phases, {@code seconds} each, with {@code clients} clients. */
    public static Report run(double seconds, int clients, boolean print) throws Exception {
        SyntheticTask task = new SyntheticTask(FEATURES, CLASSES, 42);
        OnlineClassifier.Settings d = OnlineClassifier.Settings.of(FEATURES, CLASSES);
        // A model big enough that a step and a snapshot copy cost something (42,000 weights).
        OnlineClassifier.Settings settings =
                new OnlineClassifier.Settings(
                        FEATURES,
                        CLASSES,
                        "linear(256),relu,linear(128),relu",
                        d.batch(),
                        d.lr(),
                        d.capacity(),
                        d.publishEvery(),
                        d.minExamples());
        try (LearningService service =
                        new LearningService(new OnlineClassifier(settings), 0, clients);
                HttpClient http =
                        HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()) {
            URI base = URI.create("http://127.0.0.1:" + service.port());
            SplittableRandom rng = new SplittableRandom(1);
            for (int i = 0; i < 20; i++) {
                post(http, base.resolve("/examples"), task.examples(100, rng));
            }
            // Warm-up: the JIT compiles the predictor's path (compiled code serves every thread;
            // until then the Vector API kernels run interpreted and allocate), then the HTTP path.
            warmPredictor(service.classifier(), task);
            phase("warm-up", service, http, base, task, clients, seconds, false);
            OnlineClassifier c = service.classifier();
            long s0 = c.steps();
            long t0 = System.nanoTime();
            sleep(seconds);
            double aloneSteps = (c.steps() - s0) / ((System.nanoTime() - t0) / 1e9);
            Phase training =
                    new Phase("training alone", seconds, 0, 0, 0, 0, 0, aloneSteps, 0, 0);
            c.pauseTraining(true);
            Phase serving = phase("serving alone", service, http, base, task, clients, seconds, false);
            c.pauseTraining(false);
            Phase both =
                    phase("serving while training", service, http, base, task, clients, seconds, true);
            List<Phase> phases = List.of(training, serving, both);
            if (print) {
                System.out.printf(
                        Locale.ROOT,
                        "%d clients on loopback, %d serving threads, 1 training thread, %.1f s"
                                + " per phase, %d-feature %d-class model (%s)%n",
                        clients,
                        clients,
                        seconds,
                        FEATURES,
                        CLASSES.size(),
                        settings.hidden());
                phases.forEach(System.out::println);
            }
            return new Report(phases, accuracy(http, base, task), c.version());
        }
    }

    private static void warmPredictor(OnlineClassifier c, SyntheticTask task) {
        SplittableRandom rng = new SplittableRandom(5);
        float[] x = new float[task.features()];
        float[] p = new float[task.classes().size()];
        Thread warm =
                Thread.ofPlatform()
                        .name("warm-up")
                        .start(
                                () -> {
                                    var predictor = c.predictor();
                                    for (int i = 0; i < 50_000; i++) {
                                        task.sample(i % p.length, x, rng);
                                        predictor.predict(x, p);
                                    }
                                });
        try {
            warm.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static double accuracy(HttpClient http, URI base, SyntheticTask task)
            throws Exception {
        SplittableRandom rng = new SplittableRandom(99);
        float[] x = new float[task.features()];
        int right = 0;
        int n = 400;
        for (int i = 0; i < n; i++) {
            int label = rng.nextInt(task.classes().size());
            task.sample(label, x, rng);
            String json = post(http, base.resolve("/predict"), SyntheticTask.csv(x));
            if (json.contains("\"class\": \"" + task.classes().get(label) + "\"")) {
                right++;
            }
        }
        return right / (double) n;
    }

    private static Phase phase(
            String name,
            LearningService service,
            HttpClient http,
            URI base,
            SyntheticTask task,
            int clients,
            double seconds,
            boolean feed)
            throws Exception {
        OnlineClassifier c = service.classifier();
        AtomicBoolean stop = new AtomicBoolean();
        long[][] latencies = new long[clients][];
        int[] counts = new int[clients];
        java.util.concurrent.atomic.AtomicLong errors = new java.util.concurrent.atomic.AtomicLong();
        Thread[] threads = new Thread[clients];
        long predictions0 = service.predictions();
        long bytes0 = service.predictorBytes();
        long steps0 = c.steps();
        long start = System.nanoTime();
        for (int t = 0; t < clients; t++) {
            int id = t;
            latencies[t] = new long[1 << 20];
            threads[t] =
                    Thread.ofPlatform()
                            .name("client-" + t)
                            .start(
                                    () -> {
                                        SplittableRandom rng = new SplittableRandom(100 + id);
                                        float[] x = new float[task.features()];
                                        URI predict = base.resolve("/predict");
                                        while (!stop.get() && counts[id] < latencies[id].length) {
                                            task.sample(rng.nextInt(task.classes().size()), x, rng);
                                            String body = SyntheticTask.csv(x);
                                            long t0 = System.nanoTime();
                                            try {
                                                post(http, predict, body);
                                            } catch (java.io.IOException | IllegalStateException e) {
                                                // A failed request (the JDK client now and then
                                                // drops a pooled keep-alive connection) or a
                                                // non-200 answer: count it, go on.
                                                errors.incrementAndGet();
                                                continue;
                                            } catch (Exception e) {
                                                throw new IllegalStateException(e);
                                            }
                                            latencies[id][counts[id]++] = System.nanoTime() - t0;
                                        }
                                    });
        }
        Thread feeder = null;
        if (feed) {
            feeder =
                    Thread.ofPlatform()
                            .name("feeder")
                            .start(
                                    () -> {
                                        SplittableRandom rng = new SplittableRandom(7);
                                        while (!stop.get()) {
                                            try {
                                                post(http, base.resolve("/examples"), task.examples(50, rng));
                                                Thread.sleep(50);
                                            } catch (Exception e) {
                                                return;
                                            }
                                        }
                                    });
        }
        sleep(seconds);
        stop.set(true);
        for (Thread t : threads) {
            t.join();
        }
        if (feeder != null) {
            feeder.join();
        }
        double elapsed = (System.nanoTime() - start) / 1e9;
        int total = Arrays.stream(counts).sum();
        long[] all = new long[total];
        int at = 0;
        for (int t = 0; t < clients; t++) {
            System.arraycopy(latencies[t], 0, all, at, counts[t]);
            at += counts[t];
        }
        Arrays.sort(all);
        return new Phase(
                name,
                elapsed,
                service.predictions() - predictions0,
                percentile(all, 0.50),
                percentile(all, 0.99),
                percentile(all, 0.999),
                all.length == 0 ? 0 : all[all.length - 1] / 1e3,
                (c.steps() - steps0) / elapsed,
                service.predictorBytes() - bytes0,
                errors.get());
    }

    private static double percentile(long[] sorted, double q) {
        if (sorted.length == 0) {
            return 0;
        }
        return sorted[(int) Math.min(sorted.length - 1, Math.floor(q * sorted.length))] / 1e3;
    }

    private static String post(HttpClient http, URI uri, String body) throws Exception {
        HttpResponse<String> r =
                http.send(
                        HttpRequest.newBuilder(uri)
                                .POST(HttpRequest.BodyPublishers.ofString(body))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IllegalStateException(uri + " answered " + r.statusCode() + ": " + r.body());
        }
        return r.body();
    }

    private static void sleep(double seconds) throws InterruptedException {
        Thread.sleep((long) (seconds * 1000));
    }
}
