package dev.vtrain.fuzz;

import dev.vtrain.data.Dataset;

/** What every reader's result and every rejection must satisfy, whatever the input. */
public final class FuzzInvariants {
    private FuzzInvariants() {}

    /** A dataset is whole: sizes agree, features finite, class indices in range. */
    public static void check(Dataset d) {
        if (d.features().length != d.size() * d.featureCount()
                || d.targets().length != d.size() * d.targetWidth()) {
            throw new AssertionError("inconsistent dataset sizes: " + d.name());
        }
        for (float f : d.features()) {
            if (!Float.isFinite(f)) {
                throw new AssertionError("non-finite feature accepted");
            }
        }
        if (d.isClassification()) {
            for (float t : d.targets()) {
                if (t < 0 || t >= d.numClasses() || t != Math.rint(t)) {
                    throw new AssertionError("class index " + t + " of " + d.numClasses());
                }
            }
        }
    }

    /** A rejection names the problem in one line. */
    public static void oneLine(RuntimeException e) {
        String m = e.getMessage();
        if (m == null || m.isBlank() || m.contains("\n") || m.contains("\r")) {
            throw new AssertionError("an error message must be one non-empty line: " + m, e);
        }
    }
}
