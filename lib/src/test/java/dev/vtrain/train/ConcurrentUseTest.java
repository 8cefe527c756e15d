package dev.vtrain.train;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vtrain.backend.cpu.CpuBackend;
import dev.vtrain.data.Dataset;
import dev.vtrain.data.EmbeddedDatasets;
import dev.vtrain.nn.Model;
import dev.vtrain.nn.loss.CrossEntropyLoss;
import dev.vtrain.nn.spec.Layers;
import dev.vtrain.optim.Adam;
import dev.vtrain.tensor.Shape;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * A model used from a second thread while the first trains it fails at once with a clear exception
 * (it used to race: a null segment in a kernel, or "Already closed").
 */
class ConcurrentUseTest {
    @Test
    void predictingOrClosingFromAnotherThreadDuringFitIsRefused() throws Exception {
        Dataset digits = EmbeddedDatasets.digits();
        try (CpuBackend backend = new CpuBackend(2);
                Model model =
                        Model.build(
                                Layers.fromSpec(
                                        "linear(64),relu,linear(10)",
                                        Shape.of(digits.featureCount())),
                                Shape.of(digits.featureCount()),
                                32,
                                backend,
                                0);
                Adam adam = new Adam(model, 1e-3f);
                Trainer trainer = new Trainer(model, new CrossEntropyLoss(), adam)) {
            CountDownLatch inFit = new CountDownLatch(1);
            CountDownLatch checked = new CountDownLatch(1);
            AtomicReference<Throwable> trainerFailure = new AtomicReference<>();
            Thread training =
                    new Thread(
                            () -> {
                                try {
                                    trainer.fit(
                                            digits,
                                            null,
                                            TrainingOptions.builder()
                                                    .epochs(1)
                                                    .listener(
                                                            new TrainingListener() {
                                                                @Override
                                                                public void onBatch(
                                                                        int e,
                                                                        int b,
                                                                        int n,
                                                                        long s,
                                                                        long t) {
                                                                    inFit.countDown();
                                                                    await(checked);
                                                                }
                                                            })
                                                    .build());
                                } catch (Throwable t) {
                                    trainerFailure.set(t);
                                }
                            },
                            "trainer-thread");
            training.start();
            assertTrue(inFit.await(30, TimeUnit.SECONDS));
            try {
                IllegalStateException predict =
                        assertThrows(IllegalStateException.class, () -> trainer.predict(digits));
                assertTrue(
                        predict.getMessage().contains("in use by thread 'trainer-thread'")
                                && predict.getMessage().contains("WeightSnapshots"),
                        predict.getMessage());
                assertThrows(IllegalStateException.class, model::close);
                assertThrows(
                        IllegalStateException.class,
                        () -> new Evaluator(model, new CrossEntropyLoss()).evaluate(digits));
            } finally {
                checked.countDown();
                training.join();
            }
            if (trainerFailure.get() != null) {
                throw new AssertionError("training failed", trainerFailure.get());
            }
            // Once fit returns, another thread may use the model.
            assertTrue(trainer.evaluate(digits).accuracy() > 0.5);
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
