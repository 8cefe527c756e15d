package dev.vtrain.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The safetensors format: an 8-byte little-endian header length N, N bytes of UTF-8 JSON mapping
 * tensor names to {@code {"dtype", "shape", "data_offsets": [begin, end]}} (plus an optional {@code
 * "__metadata__"} string map), then the raw little-endian data. Reading checks every rule before
 * touching data: header length ≤ 100 MB (before allocating), inside the file, strict UTF-8, valid
 * JSON without duplicate names, known dtypes, shape × dtype size equal to the byte range
 * (overflow-checked), ranges sorted, contiguous and starting at 0, and data ending exactly at the
 * end of the file. F32, F16, BF16 and F64 tensors are read as float32. Stateless; any thread may
 * call it.
 */
public final class Safetensors {
    /** Largest header accepted, in bytes. */
    public static final long MAX_HEADER_BYTES = 100_000_000L;

    private static final Map<String, Integer> DTYPE_BYTES =
            Map.ofEntries(
                    Map.entry("BOOL", 1),
                    Map.entry("U8", 1),
                    Map.entry("I8", 1),
                    Map.entry("F8_E4M3", 1),
                    Map.entry("F8_E5M2", 1),
                    Map.entry("I16", 2),
                    Map.entry("U16", 2),
                    Map.entry("F16", 2),
                    Map.entry("BF16", 2),
                    Map.entry("I32", 4),
                    Map.entry("U32", 4),
                    Map.entry("F32", 4),
                    Map.entry("I64", 8),
                    Map.entry("U64", 8),
                    Map.entry("F64", 8));

    private Safetensors() {}

    /**
     * A named tensor: its dtype in the file, shape, and values as float32 (row-major).
     *
     * @param name tensor name, e.g. {@code 0.weight}
     * @param dtype dtype as stored ({@code F32} when writing)
     * @param shape dimensions
     * @param data values, product(shape) of them
     */
    // A data carrier: arrays are shared on purpose (large, read-only); equality is identity.
    @SuppressWarnings("ArrayRecordComponent")
    public record Entry(String name, String dtype, int[] shape, float[] data) {
        /** A float32 tensor. */
        public static Entry f32(String name, int[] shape, float[] data) {
            return new Entry(name, "F32", shape, data);
        }

        /** An entry written as int64 (values must be whole numbers), e.g. a step counter. */
        public static Entry i64(String name, int[] shape, float[] data) {
            return new Entry(name, "I64", shape, data);
        }
    }

    /**
     * A file's tensors, in file order, and its metadata.
     *
     * @param tensors tensors by name, in data order
     * @param metadata the {@code __metadata__} map (empty if absent)
     */
    public record Contents(Map<String, Entry> tensors, Map<String, String> metadata) {}

    @SuppressWarnings("ArrayRecordComponent") // internal carrier, never compared
    private record Spec(String name, String dtype, int[] shape, long begin, long end) {}

    /** Positional reads from a file or an array. */
    private interface PositionalRead {
        int read(ByteBuffer buf, long position) throws IOException;
    }

    private record Source(long size, PositionalRead reader) {}

    /**
     * Reads and validates a safetensors file.
     *
     * @throws SafetensorsException if the file is missing, unreadable or breaks a rule
     */
    public static Contents read(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return read(new Source(ch.size(), ch::read), file.toString());
        } catch (NoSuchFileException e) {
            throw new SafetensorsException(file + ": no such file");
        } catch (IOException e) {
            throw new SafetensorsException(file + ": cannot read (" + e.getMessage() + ")");
        }
    }

    /** Reads and validates safetensors bytes; {@code source} names them in errors. */
    public static Contents read(byte[] bytes, String source) {
        try {
            return read(
                    new Source(
                            bytes.length,
                            (buf, pos) -> {
                                if (pos >= bytes.length) {
                                    return -1;
                                }
                                int n = (int) Math.min(buf.remaining(), bytes.length - pos);
                                buf.put(bytes, (int) pos, n);
                                return n;
                            }),
                    source);
        } catch (IOException e) {
            throw new SafetensorsException(source + ": " + e.getMessage());
        }
    }

    private static Contents read(Source ch, String source) throws IOException {
        long size = ch.size();
        if (size < 8) {
            throw new SafetensorsException(
                    source
                            + ": file of "
                            + size
                            + " bytes is too small (a safetensors file starts"
                            + " with an 8-byte header length)");
        }
        ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        readFully(ch, lenBuf, 0);
        long n = lenBuf.getLong(0);
        if (n < 0 || n > MAX_HEADER_BYTES) {
            throw new SafetensorsException(
                    source
                            + ": header length "
                            + Long.toUnsignedString(n)
                            + " exceeds the limit of "
                            + MAX_HEADER_BYTES
                            + " bytes");
        }
        if (n > size - 8) {
            throw new SafetensorsException(
                    source
                            + ": header of "
                            + n
                            + " bytes extends past the end of the file ("
                            + size
                            + " bytes)");
        }
        ByteBuffer headerBytes = ByteBuffer.allocate((int) n);
        readFully(ch, headerBytes, 8);
        String header;
        try {
            CharBuffer chars =
                    StandardCharsets.UTF_8
                            .newDecoder()
                            .onMalformedInput(CodingErrorAction.REPORT)
                            .onUnmappableCharacter(CodingErrorAction.REPORT)
                            .decode(headerBytes.flip());
            header = chars.toString();
        } catch (CharacterCodingException e) {
            throw new SafetensorsException(source + ": header is not valid UTF-8");
        }
        Object parsed;
        try {
            parsed = Json.parse(header);
        } catch (IllegalArgumentException e) {
            throw new SafetensorsException(
                    source + ": header is not valid JSON (" + e.getMessage() + ")");
        }
        if (!(parsed instanceof Map<?, ?> top)) {
            throw new SafetensorsException(source + ": header must be a JSON object");
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        List<Spec> specs = new ArrayList<>();
        for (Map.Entry<?, ?> e : top.entrySet()) {
            String name = (String) e.getKey();
            if (name.equals("__metadata__")) {
                metadata(e.getValue(), metadata, source);
            } else {
                specs.add(spec(name, e.getValue(), source));
            }
        }
        specs.sort(Comparator.comparingLong(Spec::begin).thenComparingLong(Spec::end));
        long expected = 0;
        for (Spec s : specs) {
            if (s.begin() != expected) {
                throw new SafetensorsException(
                        source
                                + ": tensor '"
                                + s.name()
                                + "' starts at byte "
                                + s.begin()
                                + " but the previous data ends at "
                                + expected
                                + " (ranges must be contiguous, without gaps"
                                + " or overlaps, from 0)");
            }
            expected = s.end();
        }
        long dataBytes = size - 8 - n;
        if (expected != dataBytes) {
            throw new SafetensorsException(
                    source
                            + ": tensor data ends at byte "
                            + expected
                            + " but the file holds "
                            + dataBytes
                            + " data bytes after the header");
        }
        Map<String, Entry> tensors = new LinkedHashMap<>();
        for (Spec s : specs) {
            tensors.put(
                    s.name(),
                    new Entry(s.name(), s.dtype(), s.shape(), decode(ch, 8 + n, s, source)));
        }
        return new Contents(tensors, metadata);
    }

    private static void metadata(Object value, Map<String, String> out, String source) {
        if (!(value instanceof Map<?, ?> m)) {
            throw new SafetensorsException(source + ": __metadata__ must be an object of strings");
        }
        for (Map.Entry<?, ?> e : m.entrySet()) {
            if (!(e.getValue() instanceof String v)) {
                throw new SafetensorsException(
                        source + ": __metadata__ value for '" + e.getKey() + "' is not a string");
            }
            out.put((String) e.getKey(), v);
        }
    }

    private static Spec spec(String name, Object value, String source) {
        String where = source + ": tensor '" + name + "'";
        if (!(value instanceof Map<?, ?> m)) {
            throw new SafetensorsException(
                    where + " must be an object with dtype, shape and data_offsets");
        }
        if (!(m.get("dtype") instanceof String dtype)) {
            throw new SafetensorsException(where + " has no string dtype");
        }
        Integer width = DTYPE_BYTES.get(dtype);
        if (width == null) {
            throw new SafetensorsException(where + " has unknown dtype '" + dtype + "'");
        }
        if (!(m.get("shape") instanceof List<?> shapeList)) {
            throw new SafetensorsException(where + " has no shape array");
        }
        int[] shape = new int[shapeList.size()];
        long bytes = width;
        for (int i = 0; i < shape.length; i++) {
            if (!(shapeList.get(i) instanceof Long d) || d < 0 || d > Integer.MAX_VALUE) {
                throw new SafetensorsException(
                        where + " has an invalid dimension " + shapeList.get(i));
            }
            shape[i] = (int) (long) d;
            try {
                bytes = Math.multiplyExact(bytes, d);
            } catch (ArithmeticException e) {
                throw new SafetensorsException(
                        where + ": shape " + shapeList + " overflows a 64-bit byte count");
            }
        }
        if (!(m.get("data_offsets") instanceof List<?> offsets)
                || offsets.size() != 2
                || !(offsets.get(0) instanceof Long begin)
                || !(offsets.get(1) instanceof Long end)
                || begin < 0
                || end < begin) {
            throw new SafetensorsException(
                    where + " needs data_offsets [begin, end] with 0 ≤ begin ≤ end");
        }
        if (m.size() != 3) {
            throw new SafetensorsException(
                    where + " has keys " + m.keySet() + " (expected dtype, shape, data_offsets)");
        }
        if (end - begin != bytes) {
            throw new SafetensorsException(
                    where
                            + ": shape "
                            + shapeList
                            + " of "
                            + dtype
                            + " needs "
                            + bytes
                            + " bytes but data_offsets span "
                            + (end - begin));
        }
        return new Spec(name, dtype, shape, begin, end);
    }

    private static float[] decode(Source ch, long dataStart, Spec s, String source)
            throws IOException {
        int width = DTYPE_BYTES.get(s.dtype());
        long count = (s.end() - s.begin()) / width;
        if (count > Integer.MAX_VALUE - 8) {
            throw new SafetensorsException(
                    source
                            + ": tensor '"
                            + s.name()
                            + "' has "
                            + count
                            + " elements, more than"
                            + " one Java array holds");
        }
        if (!s.dtype().equals("F32")
                && !s.dtype().equals("F16")
                && !s.dtype().equals("BF16")
                && !s.dtype().equals("F64")
                && !s.dtype().equals("I64")) {
            throw new SafetensorsException(
                    source
                            + ": tensor '"
                            + s.name()
                            + "' has dtype "
                            + s.dtype()
                            + "; only F32, F16, BF16, F64 and I64 tensors can be loaded");
        }
        float[] out = new float[(int) count];
        ByteBuffer buf =
                ByteBuffer.allocate((int) Math.min(1 << 20, count * width))
                        .order(ByteOrder.LITTLE_ENDIAN);
        long pos = dataStart + s.begin();
        int i = 0;
        while (i < count) {
            buf.clear();
            buf.limit((int) Math.min(buf.capacity(), (count - i) * width));
            readFully(ch, buf, pos);
            pos += buf.limit();
            buf.flip();
            while (buf.remaining() >= width) {
                out[i++] =
                        switch (s.dtype()) {
                            case "F32" -> buf.getFloat();
                            case "F16" -> Float.float16ToFloat(buf.getShort());
                            case "BF16" -> Float.intBitsToFloat((buf.getShort() & 0xFFFF) << 16);
                            case "I64" -> (float) buf.getLong();
                            default -> (float) buf.getDouble();
                        };
            }
        }
        return out;
    }

    private static void readFully(Source ch, ByteBuffer buf, long position) throws IOException {
        long p = position;
        while (buf.hasRemaining()) {
            int r = ch.reader().read(buf, p);
            if (r < 0) {
                throw new IOException("unexpected end of file at byte " + p);
            }
            p += r;
        }
    }

    /**
     * Encodes tensors (F32, or I64 for {@link Entry#i64} entries; in list order) and metadata into
     * safetensors bytes.
     */
    public static ByteBuffer[] encode(List<Entry> tensors, Map<String, String> metadata) {
        Map<String, Object> header = new LinkedHashMap<>();
        if (!metadata.isEmpty()) {
            header.put("__metadata__", new LinkedHashMap<>(metadata));
        }
        long offset = 0;
        for (Entry t : tensors) {
            long n = 1;
            for (int d : t.shape()) {
                n = Math.multiplyExact(n, d);
            }
            if (n != t.data().length) {
                throw new IllegalArgumentException(
                        "tensor '"
                                + t.name()
                                + "': shape needs "
                                + n
                                + " values, got "
                                + t.data().length);
            }
            if (header.containsKey(t.name())) {
                throw new IllegalArgumentException("duplicate tensor name '" + t.name() + "'");
            }
            List<Long> shape = new ArrayList<>();
            for (int d : t.shape()) {
                shape.add((long) d);
            }
            Map<String, Object> spec = new LinkedHashMap<>();
            int width = t.dtype().equals("I64") ? 8 : 4;
            spec.put("dtype", width == 8 ? "I64" : "F32");
            spec.put("shape", shape);
            spec.put("data_offsets", List.of(offset, offset + width * n));
            header.put(t.name(), spec);
            offset += width * n;
        }
        byte[] json = Json.writeCompact(header).getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(json);
        while (head.hasRemaining()) {
            head.put((byte) ' ');
        }
        ByteBuffer data =
                ByteBuffer.allocate(Math.toIntExact(offset)).order(ByteOrder.LITTLE_ENDIAN);
        for (Entry t : tensors) {
            if (t.dtype().equals("I64")) {
                for (float v : t.data()) {
                    data.putLong((long) v);
                }
            } else {
                data.asFloatBuffer().put(t.data());
                data.position(data.position() + 4 * t.data().length);
            }
        }
        return new ByteBuffer[] {head.flip(), data.flip()};
    }

    /** Writes tensors and metadata atomically (temporary file, fsync, rename, directory fsync). */
    public static void write(Path file, List<Entry> tensors, Map<String, String> metadata)
            throws IOException {
        AtomicWrite.write(file, encode(tensors, metadata));
    }
}
