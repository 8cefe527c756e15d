package dev.vtrain.cli;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** One line for an {@link OutOfMemoryError}: which memory ran out, how much, and what to change. */
final class OutOfMemory {
    private static final Pattern OFF_HEAP = Pattern.compile("Unable to allocate (\\d+) bytes");

    private OutOfMemory() {}

    static String message(OutOfMemoryError e) {
        String m = e.getMessage() == null ? "" : e.getMessage();
        Matcher off = OFF_HEAP.matcher(m);
        if (off.find()) {
            return "out of memory: tensors need "
                    + size(Long.parseLong(off.group(1)))
                    + " more off-heap memory than the machine could give; try a smaller model or"
                    + " --batch-size";
        }
        return "out of memory: the Java heap (at most "
                + size(Runtime.getRuntime().maxMemory())
                + ") is full ("
                + m
                + "); try less data, fewer classes, a smaller model or --batch-size, or a larger"
                + " heap with VTRAIN_JAVA_OPTS=-Xmx8g";
    }

    static String size(long bytes) {
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
        double v = bytes;
        int u = 0;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return u == 0 ? bytes + " B" : String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }
}
