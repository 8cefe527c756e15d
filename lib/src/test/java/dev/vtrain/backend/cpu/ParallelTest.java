package dev.vtrain.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

class ParallelTest {
    @Test
    void everyTaskRunsExactlyOnceAcrossManyGenerations() {
        try (Parallel p = new Parallel(3)) {
            for (int round = 0; round < 2000; round++) {
                int tasks = 1 + round % 37;
                AtomicIntegerArray hits = new AtomicIntegerArray(tasks);
                p.forEach(tasks, (t, w) -> hits.incrementAndGet(t));
                for (int i = 0; i < tasks; i++) {
                    assertEquals(1, hits.get(i), "round " + round + " task " + i);
                }
            }
        }
    }

    @Test
    void taskFailureIsRethrownOnTheCaller() {
        try (Parallel p = new Parallel(2)) {
            IllegalStateException e =
                    assertThrows(
                            IllegalStateException.class,
                            () ->
                                    p.forEach(
                                            8,
                                            (i, w) -> {
                                                if (i == 5) {
                                                    throw new IllegalStateException(
                                                            "task 5 failed");
                                                }
                                            }));
            assertEquals("task 5 failed", e.getMessage());
            AtomicIntegerArray hits = new AtomicIntegerArray(4);
            p.forEach(4, (t, w) -> hits.incrementAndGet(t));
            assertEquals(4, hits.get(0) + hits.get(1) + hits.get(2) + hits.get(3));
        }
    }

    @Test
    void afterASignOfSharedCoresTheCallerRunsEveryTaskAlone() {
        try (Parallel p = new Parallel(2)) {
            AtomicIntegerArray byWorker = new AtomicIntegerArray(2);
            for (int round = 0; round < 50; round++) {
                // Renewed each round, so a slow machine cannot outlast the solo period.
                p.contended(System.nanoTime());
                p.forEach(16, (t, w) -> byWorker.incrementAndGet(w));
            }
            assertEquals(800, byWorker.get(0), "the caller ran every task");
            assertEquals(0, byWorker.get(1), "the worker stayed parked");
        }
    }

    @Test
    void soloPeriodsDoubleWhileSharingPersistsAndResetAfterACleanStretch() {
        long min = Parallel.MIN_SOLO_NS;
        assertEquals(2 * min, Parallel.nextSoloSpan(min, 0), "sign right after a solo period");
        assertEquals(
                4 * min,
                Parallel.nextSoloSpan(2 * min, Parallel.PROBE_NS - 1),
                "sign within the probe window");
        assertEquals(
                Parallel.MAX_SOLO_NS,
                Parallel.nextSoloSpan(Parallel.MAX_SOLO_NS, 1),
                "capped at the maximum");
        assertEquals(
                min, Parallel.nextSoloSpan(8 * min, Parallel.PROBE_NS), "after a clean stretch");
        assertEquals(8 * min, Parallel.nextSoloSpan(8 * min, -5), "during a solo period");
    }

    @Test
    void rejectsBadThreadCounts() {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> new Parallel(0));
        assertEquals("Invalid thread count: 0 (must be in [1, 4096])", e.getMessage());
    }
}
