package dev.vtrain.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.SplittableRandom;
import org.apache.commons.math3.stat.descriptive.DescriptiveStatistics;
import org.junit.jupiter.api.Test;

/** Scaling statistics against Apache Commons Math; fitted on training data only. */
class FeatureScalingTest {
    private static Dataset random(int n, int f, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] x = new float[n * f];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (rng.nextGaussian() * (1 + i % f) + i % f * 10);
        }
        return new Dataset("random", x, f, new float[n], 1, List.of("a", "b"));
    }

    @Test
    void standardizeUsesPopulationMeanAndDeviationOfTrainingData() {
        Dataset train = random(500, 4, 1);
        FeatureScaling s = FeatureScaling.fit(FeatureScaling.Kind.STANDARDIZE, train);
        for (int j = 0; j < 4; j++) {
            DescriptiveStatistics stats = new DescriptiveStatistics();
            for (int i = 0; i < train.size(); i++) {
                stats.addValue(train.features()[i * 4 + j]);
            }
            assertEquals(stats.getMean(), s.shift()[j], 1e-9);
            assertEquals(Math.sqrt(stats.getPopulationVariance()), s.scale()[j], 1e-9);
        }
        Dataset scaled = s.apply(train);
        for (int j = 0; j < 4; j++) {
            DescriptiveStatistics stats = new DescriptiveStatistics();
            for (int i = 0; i < scaled.size(); i++) {
                stats.addValue(scaled.features()[i * 4 + j]);
            }
            assertEquals(0, stats.getMean(), 1e-5);
            assertEquals(1, Math.sqrt(stats.getPopulationVariance()), 1e-5);
        }
    }

    @Test
    void minMaxAndConstantFeatures() {
        float[] x = {1, 5, 3, 5, 2, 5};
        Dataset d = new Dataset("d", x, 2, new float[3], 1, List.of("a", "b"));
        FeatureScaling s = FeatureScaling.fit(FeatureScaling.Kind.MIN_MAX, d);
        assertArrayEquals(new float[] {0, 0, 1, 0, 0.5f, 0}, s.apply(d).features(), 1e-7f);
        FeatureScaling z = FeatureScaling.fit(FeatureScaling.Kind.STANDARDIZE, d);
        assertEquals(1.0, z.scale()[1]);
        assertArrayEquals(
                new float[] {1 / 255f, 5 / 255f, 3 / 255f, 5 / 255f, 2 / 255f, 5 / 255f},
                FeatureScaling.fit(FeatureScaling.Kind.DIVIDE_255, d).apply(d).features(),
                1e-9f);
    }

    @Test
    void testDataIsScaledWithTrainingStatistics() {
        Dataset train = random(100, 3, 2);
        Dataset test = random(50, 3, 3);
        FeatureScaling s = FeatureScaling.fit(FeatureScaling.Kind.STANDARDIZE, train);
        float[] scaled = s.apply(test).features();
        assertEquals((test.features()[4] - s.shift()[1]) / s.scale()[1], scaled[4], 1e-5);
        assertThrows(IllegalArgumentException.class, () -> s.apply(random(5, 2, 4)));
    }
}
