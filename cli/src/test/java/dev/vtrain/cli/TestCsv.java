package dev.vtrain.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Random;

/** Small seeded CSV files for CLI tests. */
final class TestCsv {
    private TestCsv() {}

    /**
     * {@code rows} rows of features a, b, c in [0, 1) and a class: green when a + b > 1, else red
     * when c > 0.5, else blue.
     */
    static Path threeClasses(Path dir, String name, int rows, long seed) throws IOException {
        StringBuilder sb = new StringBuilder("a,b,c,class\n");
        Random r = new Random(seed);
        for (int i = 0; i < rows; i++) {
            double a = r.nextDouble();
            double b = r.nextDouble();
            double c = r.nextDouble();
            String k = a + b > 1 ? "green" : c > 0.5 ? "red" : "blue";
            sb.append(String.format(Locale.ROOT, "%.4f,%.4f,%.4f,%s%n", a, b, c, k));
        }
        return Files.writeString(dir.resolve(name), sb.toString());
    }

    /** {@code rows} rows of x1, x2 in [0, 1) and target 3e5 (x1 + 2 x2). */
    static Path largeTargets(Path dir, String name, int rows, long seed) throws IOException {
        StringBuilder sb = new StringBuilder("x1,x2,target\n");
        Random r = new Random(seed);
        for (int i = 0; i < rows; i++) {
            double a = r.nextDouble();
            double b = r.nextDouble();
            sb.append(String.format(Locale.ROOT, "%.4f,%.4f,%.2f%n", a, b, 3e5 * (a + 2 * b)));
        }
        return Files.writeString(dir.resolve(name), sb.toString());
    }
}
