package dev.vtrain.nn.spec;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Parses a model specification such as {@code
 * conv2d(32,3,padding=1),batchnorm2d,relu,maxpool2d(2),flatten,linear(10)} into {@link LayerCall}s.
 * The grammar, with whitespace allowed between any two tokens:
 *
 * <pre>
 * spec  = call { "," call }
 * call  = name [ "(" [ arg { "," arg } ] ")" ]
 * arg   = value | name "=" value           (positional arguments first)
 * value = integer | float | boolean | tuple | call | name
 * tuple = "(" integer { "," integer } ")"
 * </pre>
 *
 * <p>A name is an ASCII letter or {@code _} followed by letters, digits and {@code _}. An integer
 * such as {@code 3} or {@code -1} becomes a {@link Long}; a number with a point or an exponent,
 * such as {@code 0.5}, {@code .5} or {@code 1e-3}, a {@link Double}; {@code True}, {@code False},
 * {@code true} and {@code false} a {@link Boolean}; a tuple such as {@code (3, 3)} a {@code
 * List<Long>}; a name followed by an argument list, such as {@code conv2d(8,3)}, a nested {@link
 * LayerCall}; and any other bare name, such as {@code tanh}, a {@link String}. When a call has a
 * nested call among its positional arguments, as containers do in {@code
 * residual(conv2d(8,3),batchnorm2d,relu)}, its bare-name positional arguments become argument-less
 * {@link LayerCall}s too, so that every child of such a container is a {@code LayerCall}. Trailing
 * commas are errors. Each {@link #parse} call uses its own parser, so any thread may call it.
 */
public final class SpecParser {
    private final String spec;
    private int pos;

    private SpecParser(String spec) {
        this.spec = spec;
    }

    /**
     * The layer calls of {@code spec}, in order, in an unmodifiable list.
     *
     * @throws SpecException if {@code spec} is empty or malformed; the message names the 1-based
     *     character position, what was expected there and what was found
     */
    public static List<LayerCall> parse(String spec) {
        Objects.requireNonNull(spec, "spec");
        SpecParser parser = new SpecParser(spec);
        List<LayerCall> calls = new ArrayList<>();
        do {
            calls.add(parser.call());
        } while (parser.accept(','));
        parser.skipSpace();
        if (parser.pos < spec.length()) {
            throw parser.expected("',' or end of input");
        }
        return List.copyOf(calls);
    }

    /** A top-level call: a name, optionally with an argument list. */
    private LayerCall call() {
        skipSpace();
        int start = pos;
        if (!isNameStart(peek())) {
            throw expected("a layer name");
        }
        String name = name();
        return accept('(') ? arguments(name, start) : noArguments(name, start);
    }

    /** The argument list of the call {@code name} at {@code start}, after its '('. */
    private LayerCall arguments(String name, int start) {
        List<Object> positional = new ArrayList<>();
        List<Integer> positionalStarts = new ArrayList<>();
        Map<String, Object> named = new LinkedHashMap<>();
        if (accept(')')) {
            return new LayerCall(name, positional, named, start);
        }
        String expectation = "an argument or ')'";
        while (true) {
            skipSpace();
            int argStart = pos;
            if (atKeyword()) {
                String key = name();
                accept('='); // the '=' that atKeyword saw
                if (named.containsKey(key)) {
                    throw new SpecException(argStart + 1, "duplicate argument '" + key + "'");
                }
                named.put(key, value("a value"));
            } else {
                Object value = value(expectation);
                if (!named.isEmpty()) {
                    throw new SpecException(
                            argStart + 1, "positional argument after keyword argument");
                }
                positional.add(value);
                positionalStarts.add(argStart);
            }
            if (accept(')')) {
                break;
            }
            if (!accept(',')) {
                throw expected("')' or ','");
            }
            expectation = "an argument";
        }
        if (positional.stream().anyMatch(LayerCall.class::isInstance)) {
            for (int i = 0; i < positional.size(); i++) {
                if (positional.get(i) instanceof String child) {
                    positional.set(i, noArguments(child, positionalStarts.get(i)));
                }
            }
        }
        return new LayerCall(name, positional, named, start);
    }

    /** Whether a name followed by '=' is next; consumes nothing. */
    private boolean atKeyword() {
        if (!isNameStart(peek())) {
            return false;
        }
        int start = pos;
        name();
        boolean keyword = accept('=');
        pos = start;
        return keyword;
    }

    /** A value, {@code what} naming it in the error when there is none. */
    private Object value(String what) {
        skipSpace();
        int start = pos;
        char c = peek();
        if (isNameStart(c)) {
            return afterName(name(), start);
        }
        if (c == '(') {
            return tuple();
        }
        if (isNumberStart(c)) {
            return number();
        }
        throw expected(what);
    }

    /** The value a name at {@code start} stands for: a nested call, a boolean or a string. */
    private Object afterName(String word, int start) {
        if (accept('(')) {
            return arguments(word, start);
        }
        if (word.equals("True") || word.equals("true")) {
            return Boolean.valueOf(true);
        }
        if (word.equals("False") || word.equals("false")) {
            return Boolean.valueOf(false);
        }
        return word;
    }

    /** A tuple of integers, at its '('. */
    private List<Long> tuple() {
        pos++;
        List<Long> elements = new ArrayList<>();
        do {
            skipSpace();
            int start = pos;
            if (!isNumberStart(peek())) {
                throw expected("an integer");
            }
            if (!(number() instanceof Long element)) {
                throw new SpecException(
                        start + 1,
                        "expected an integer but found '" + spec.substring(start, pos) + "'");
            }
            elements.add(element);
        } while (accept(','));
        if (!accept(')')) {
            throw expected("')' or ','");
        }
        return List.copyOf(elements);
    }

    /** An integer as a {@link Long} or a float as a {@link Double}, at its first character. */
    private Object number() {
        int start = pos;
        if (peek() == '-' || peek() == '+') {
            pos++;
        }
        int digits = digits();
        boolean isFloat = false;
        if (peek() == '.') {
            pos++;
            isFloat = true;
            digits += digits();
        }
        if (digits == 0) {
            throw expected("a digit");
        }
        if (peek() == 'e' || peek() == 'E') {
            pos++;
            isFloat = true;
            if (peek() == '-' || peek() == '+') {
                pos++;
            }
            if (digits() == 0) {
                throw expected("a digit");
            }
        }
        String text = spec.substring(start, pos);
        if (isFloat) {
            double value = Double.parseDouble(text);
            if (Double.isInfinite(value)) {
                throw new SpecException(start + 1, "number '" + text + "' is out of range");
            }
            return value;
        }
        BigInteger value = new BigInteger(text);
        if (value.bitLength() > 63) {
            throw new SpecException(
                    start + 1, "integer '" + text + "' is out of range for a 64-bit integer");
        }
        return value.longValue();
    }

    private static LayerCall noArguments(String name, int start) {
        return new LayerCall(name, List.of(), Map.of(), start);
    }

    /** The name at the current position, which starts one. */
    private String name() {
        int start = pos;
        while (pos < spec.length() && isNamePart(spec.charAt(pos))) {
            pos++;
        }
        return spec.substring(start, pos);
    }

    /** Skips decimal digits and says how many there were. */
    private int digits() {
        int start = pos;
        while (pos < spec.length() && isDigit(spec.charAt(pos))) {
            pos++;
        }
        return pos - start;
    }

    /** Skips whitespace, then consumes {@code c} if it is next and says whether it was. */
    private boolean accept(char c) {
        skipSpace();
        if (pos < spec.length() && spec.charAt(pos) == c) {
            pos++;
            return true;
        }
        return false;
    }

    private void skipSpace() {
        while (pos < spec.length() && Character.isWhitespace(spec.charAt(pos))) {
            pos++;
        }
    }

    /** The character at the current position, or NUL at the end of input. */
    private char peek() {
        return pos < spec.length() ? spec.charAt(pos) : '\0';
    }

    /** An error at the current position: {@code what} was expected, something else found. */
    private SpecException expected(String what) {
        return new SpecException(pos + 1, "expected " + what + " but found " + found());
    }

    /** What is at the current position: a whole name or number, one character, or the end. */
    private String found() {
        if (pos >= spec.length()) {
            return "end of input";
        }
        char c = spec.charAt(pos);
        if (isNamePart(c)) {
            int end = pos;
            while (end < spec.length() && isNamePart(spec.charAt(end))) {
                end++;
            }
            return "'" + spec.substring(pos, end) + "'";
        }
        if (Character.isISOControl(c)) {
            return String.format(Locale.ROOT, "U+%04X", (int) c);
        }
        return "'" + c + "'";
    }

    private static boolean isNameStart(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    }

    private static boolean isNamePart(char c) {
        return isNameStart(c) || isDigit(c);
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static boolean isNumberStart(char c) {
        return isDigit(c) || c == '.' || c == '-' || c == '+';
    }
}
