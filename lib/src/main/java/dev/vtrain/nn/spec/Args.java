package dev.vtrain.nn.spec;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * One layer call's arguments bound to PyTorch's parameter names: positional values in the order
 * {@code names} gives, then keyword values; every value is read once and anything left over is an
 * error naming the layer, the argument and what is accepted. Build-time helper.
 */
final class Args {
    private final LayerCall call;
    private final List<String> names;
    private final Set<String> read = new LinkedHashSet<>();

    Args(LayerCall call, List<String> names) {
        this.call = call;
        this.names = names;
        if (call.positional().size() > names.size()) {
            throw error(
                    "expected at most "
                            + names.size()
                            + " positional arguments "
                            + names
                            + " but found "
                            + call.positional().size());
        }
        for (int i = 0; i < call.positional().size(); i++) {
            if (call.named().containsKey(names.get(i))) {
                throw error("argument '" + names.get(i) + "' given twice");
            }
        }
    }

    SpecException error(String detail) {
        return new SpecException(call.position() + 1, call.name() + ": " + detail);
    }

    private Object raw(String name) {
        read.add(name);
        int i = names.indexOf(name);
        if (i >= 0 && i < call.positional().size()) {
            return call.positional().get(i);
        }
        return call.named().get(name);
    }

    boolean has(String name) {
        int i = names.indexOf(name);
        return (i >= 0 && i < call.positional().size()) || call.named().containsKey(name);
    }

    int integer(String name, Integer fallback) {
        Object v = raw(name);
        if (v == null) {
            if (fallback == null) {
                throw error("missing argument '" + name + "' (an integer)");
            }
            return fallback;
        }
        if (v instanceof Long l && l >= Integer.MIN_VALUE && l <= Integer.MAX_VALUE) {
            return (int) (long) l;
        }
        throw error("argument '" + name + "': expected an integer but found " + show(v));
    }

    private static boolean fitsInt(long l) {
        return l >= Integer.MIN_VALUE && l <= Integer.MAX_VALUE;
    }

    /** An int or a pair of ints, as PyTorch's {@code _pair}; returns {height, width}. */
    int[] pair(String name, int[] fallback) {
        Object v = raw(name);
        if (v == null) {
            if (fallback == null) {
                throw error("missing argument '" + name + "' (an integer or a pair)");
            }
            return fallback.clone();
        }
        if (v instanceof Long l && fitsInt(l)) {
            int x = (int) (long) l;
            return new int[] {x, x};
        }
        if (v instanceof List<?> list
                && list.size() == 2
                && list.get(0) instanceof Long h
                && list.get(1) instanceof Long w
                && fitsInt(h)
                && fitsInt(w)) {
            return new int[] {(int) (long) h, (int) (long) w};
        }
        throw error(
                "argument '"
                        + name
                        + "': expected an integer or a pair (h,w) but found "
                        + show(v));
    }

    double number(String name, double fallback) {
        Object v = raw(name);
        if (v == null) {
            return fallback;
        }
        if (v instanceof Number n) {
            return n.doubleValue();
        }
        throw error("argument '" + name + "': expected a number but found " + show(v));
    }

    boolean bool(String name, boolean fallback) {
        Object v = raw(name);
        if (v == null) {
            return fallback;
        }
        if (v instanceof Boolean b) {
            return b;
        }
        throw error("argument '" + name + "': expected True or False but found " + show(v));
    }

    /** A word among {@code allowed} (a bare name in a spec string, a string in JSON). */
    String word(String name, String fallback, List<String> allowed) {
        Object v = raw(name);
        if (v == null) {
            return fallback;
        }
        if (v instanceof String w && allowed.contains(w)) {
            return w;
        }
        throw error(
                "argument '" + name + "': expected one of " + allowed + " but found " + show(v));
    }

    /** Checks every argument was read. */
    void done() {
        for (String k : call.named().keySet()) {
            if (!read.contains(k)) {
                throw error(
                        "unknown argument '"
                                + k
                                + "'"
                                + (names.isEmpty()
                                        ? " (it takes none)"
                                        : " (it takes " + names + ")"));
            }
        }
    }

    static String show(Object v) {
        if (v instanceof String s) {
            return "'" + s + "'";
        }
        if (v instanceof LayerCall c) {
            return "layer '" + c.name() + "'";
        }
        if (v instanceof List<?> l) {
            List<String> parts = new ArrayList<>();
            for (Object o : l) {
                parts.add(String.valueOf(o));
            }
            return "(" + String.join(",", parts) + ")";
        }
        return String.valueOf(v);
    }
}
