package dev.vtrain.nn.spec;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One layer of a model specification, such as {@code conv2d(32, 3, padding=1)}: the layer's name,
 * its positional arguments and its keyword arguments. An argument value is a {@link Long}, a {@link
 * Double}, a {@link Boolean}, a {@link String} (a bare identifier), a {@code List<Long>} (a tuple
 * of integers) or a nested {@code LayerCall}. The lists and the map are unmodifiable; the map keeps
 * the keyword arguments in source order. Immutable; any thread may read it.
 *
 * @param name the layer's name as written, such as {@code conv2d}
 * @param positional the positional arguments, in order
 * @param named the keyword arguments by name, in source order
 * @param position the 0-based character offset of the name in the spec string
 */
public record LayerCall(
        String name, List<Object> positional, Map<String, Object> named, int position) {

    /**
     * Copies the arguments into unmodifiable collections.
     *
     * @throws IllegalArgumentException if {@code position} is negative or a value is not of a
     *     supported type
     */
    public LayerCall {
        Objects.requireNonNull(name, "name");
        if (position < 0) {
            throw new IllegalArgumentException("position has to be 0 or more, but got " + position);
        }
        positional = positional.stream().map(LayerCall::checked).toList();
        Map<String, Object> copy = new LinkedHashMap<>();
        named.forEach(
                (key, value) -> copy.put(Objects.requireNonNull(key, "name"), checked(value)));
        named = Collections.unmodifiableMap(copy);
    }

    private static Object checked(Object value) {
        if (value instanceof Long
                || value instanceof Double
                || value instanceof Boolean
                || value instanceof String
                || value instanceof LayerCall) {
            return value;
        }
        if (value instanceof List<?> list) {
            for (Object element : list) {
                if (!(element instanceof Long)) {
                    throw new IllegalArgumentException(
                            "a tuple holds Long values only, but got " + element);
                }
            }
            return List.copyOf(list);
        }
        throw new IllegalArgumentException("unsupported argument value " + value);
    }
}
