package dev.vtrain.optim.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.vtrain.FixtureFile;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every schedule's first 25 rates equal PyTorch's (fixtures from {@code
 * tools/fixtures/make_fixtures.py}, base rate 0.1) within 1e-12 relative: the closed forms in
 * double against PyTorch's recursive forms in double.
 */
class ScheduleTest {
    private static final Map<String, double[]> FIXTURES = new HashMap<>();

    @BeforeAll
    static void load() throws IOException {
        FixtureFile.read("schedules.txt")
                .forEach((k, v) -> FIXTURES.put(k, FixtureFile.doubles(v, 0)));
    }

    private static void check(String name, Schedule s) {
        double[] expected = FIXTURES.get(name);
        for (int t = 0; t < expected.length; t++) {
            assertEquals(expected[t], s.lr(t), 1e-12 * expected[t] + 1e-15, name + " at t=" + t);
        }
    }

    @Test
    void closedFormsMatchPyTorch() {
        check("constant", Schedule.constant(0.1));
        check("step_7_0.5", Schedule.step(0.1, 7, 0.5));
        check("multistep_3_10_17_0.3", Schedule.multiStep(0.1, new long[] {17, 3, 10}, 0.3));
        check("exponential_0.9", Schedule.exponential(0.1, 0.9));
        check("linear_0.25_1.0_10", Schedule.linear(0.1, 0.25, 1.0, 10));
        check("linear_1.0_0.0_20", Schedule.linear(0.1, 1.0, 0.0, 20));
        check("polynomial_20_2.0", Schedule.polynomial(0.1, 20, 2.0));
        check("cosine_20_0.001", Schedule.cosine(0.1, 20, 0.001));
        check("warmup_5_0.1_step_6_0.5", Schedule.withWarmup(Schedule.step(0.1, 6, 0.5), 5, 0.1));
        check(
                "warmup_4_0.2_cosine_15_0.0",
                Schedule.withWarmup(Schedule.cosine(0.1, 15, 0), 4, 0.2));
    }

    @Test
    void plateauMatchesPyTorch() {
        double[] expected = FIXTURES.get("plateau_min_0.5_2_0.01rel_1_0.01");
        double[] metrics = FIXTURES.get("plateau_metrics");
        ReduceLROnPlateau p =
                new ReduceLROnPlateau(ReduceLROnPlateau.Mode.MIN, 0.5, 2, 0.01, true, 1, 0.01);
        for (int t = 0; t < expected.length; t++) {
            assertEquals(expected[t], 0.1 * p.scale(), 1e-12, "plateau lr before update " + t);
            p.record(metrics[t], 0.1);
        }
        double[] state = p.state();
        ReduceLROnPlateau q =
                new ReduceLROnPlateau(ReduceLROnPlateau.Mode.MIN, 0.5, 2, 0.01, true, 1, 0.01);
        q.restore(state);
        assertEquals(p.scale(), q.scale());
    }

    @Test
    void edgesAndValidation() {
        Schedule cos = Schedule.cosine(1.0, 10, 0.1);
        assertEquals(1.0, cos.lr(0), 1e-15);
        assertEquals(0.1, cos.lr(10), 1e-15);
        assertEquals(0.55, cos.lr(5), 1e-15);
        assertEquals(0.0, Schedule.polynomial(1, 4, 1).lr(100));
        assertEquals(0.5, Schedule.withWarmup(Schedule.constant(1), 4, 0.5).lr(0));
        assertEquals(1.0, Schedule.withWarmup(Schedule.constant(1), 4, 0.5).lr(4));
        assertEquals(
                "Invalid step size: 0 (must be ≥ 1)",
                assertThrows(IllegalArgumentException.class, () -> Schedule.step(0.1, 0, 0.5))
                        .getMessage());
        assertEquals(
                "Invalid plateau factor: 1.5 (must be in (0, 1))",
                assertThrows(
                                IllegalArgumentException.class,
                                () ->
                                        new ReduceLROnPlateau(
                                                ReduceLROnPlateau.Mode.MIN, 1.5, 1, 0, true, 0, 0))
                        .getMessage());
    }
}
