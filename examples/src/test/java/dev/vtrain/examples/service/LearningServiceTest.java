package dev.vtrain.examples.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The example service learns from POSTed examples and answers while it learns. */
class LearningServiceTest {
    private static final List<String> CLASSES = List.of("red", "green", "blue");

    private static HttpResponse<String> send(HttpClient http, HttpRequest r) throws Exception {
        return http.send(r, HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> post(HttpClient http, URI uri, String body)
            throws Exception {
        return send(
                http,
                HttpRequest.newBuilder(uri).POST(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    @Test
    void itLearnsFromPostedExamplesAndServesPredictionsWhileLearning() throws Exception {
        SyntheticTask task = new SyntheticTask(8, CLASSES, 5);
        try (LearningService service =
                new LearningService(
                        new OnlineClassifier(OnlineClassifier.Settings.of(8, CLASSES)), 0, 2)) {
            HttpClient http = HttpClient.newHttpClient();
            URI base = URI.create("http://127.0.0.1:" + service.port());
            SplittableRandom rng = new SplittableRandom(3);
            // Before any example: an answer from the untrained initial weights (version 1).
            HttpResponse<String> first = post(http, base.resolve("/predict"), "0,0,0,0,0,0,0,0");
            assertEquals(200, first.statusCode(), first.body());
            assertTrue(first.body().contains("\"version\": 1"), first.body());
            for (int i = 0; i < 10; i++) {
                HttpResponse<String> r =
                        post(http, base.resolve("/examples"), task.examples(100, rng));
                assertEquals("{\"accepted\": 100}\n", r.body());
            }
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (service.classifier().steps() < 400 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertTrue(service.classifier().steps() >= 400, "training steps");
            float[] x = new float[8];
            int right = 0;
            long newest = 0;
            for (int i = 0; i < 200; i++) {
                int label = rng.nextInt(3);
                task.sample(label, x, rng);
                String body = post(http, base.resolve("/predict"), SyntheticTask.csv(x)).body();
                right += body.contains("\"class\": \"" + CLASSES.get(label) + "\"") ? 1 : 0;
                newest = Math.max(newest, version(body));
            }
            assertTrue(right >= 180, "held-out accuracy " + right + "/200");
            assertTrue(newest > 10, "answers come from fresh snapshots: version " + newest);
            String stats = send(http, HttpRequest.newBuilder(base.resolve("/stats")).build()).body();
            assertTrue(stats.contains("\"examples\": 1000"), stats);
        }
    }

    @Test
    void badRequestsGetOneLineSayingWhatWasExpected() throws Exception {
        try (LearningService service =
                new LearningService(
                        new OnlineClassifier(OnlineClassifier.Settings.of(3, CLASSES)), 0, 1)) {
            HttpClient http = HttpClient.newHttpClient();
            URI base = URI.create("http://127.0.0.1:" + service.port());
            HttpResponse<String> shortSample = post(http, base.resolve("/predict"), "1,2");
            assertEquals(400, shortSample.statusCode());
            assertEquals("expected 3 features but found 2\n", shortSample.body());
            HttpResponse<String> notNumber = post(http, base.resolve("/predict"), "1,x,3");
            assertEquals("feature 2: expected a number but found 'x'\n", notNumber.body());
            HttpResponse<String> unknown =
                    post(http, base.resolve("/examples"), "red,1,2,3\npurple,1,2,3\n");
            assertEquals(400, unknown.statusCode());
            assertEquals(
                    "line 2: unknown class 'purple' (expected one of [red, green, blue])\n",
                    unknown.body());
            HttpResponse<String> get =
                    send(http, HttpRequest.newBuilder(base.resolve("/predict")).build());
            assertEquals(405, get.statusCode());
        }
    }

    @Test
    void aShortLoadTestServesWhileTrainingAndStaysAccurate() throws Exception {
        LoadTest.Report r = LoadTest.run(1.0, 2, false);
        LoadTest.Phase both = r.phases().get(2);
        assertTrue(both.predictions() > 100, both.toString());
        assertTrue(both.stepsPerSecond() > 10, both.toString());
        assertTrue(
                r.phases().get(1).stepsPerSecond() < 0.01 * r.phases().get(0).stepsPerSecond(),
                "training paused: " + r.phases());
        assertTrue(r.accuracy() > 0.9, "accuracy " + r.accuracy());
    }

    private static long version(String json) {
        int at = json.indexOf("\"version\": ") + "\"version\": ".length();
        return Long.parseLong(json.substring(at, json.indexOf('}', at)).strip());
    }
}
