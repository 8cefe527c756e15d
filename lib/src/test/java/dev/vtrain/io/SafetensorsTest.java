package dev.vtrain.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One test per reader rule, with hand-made bytes; a round trip; and random bytes. */
class SafetensorsTest {
    private static byte[] file(String header, int dataBytes) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        return file(h, h.length, dataBytes);
    }

    private static byte[] file(byte[] header, long declaredLength, int dataBytes) {
        ByteBuffer b =
                ByteBuffer.allocate(8 + header.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(declaredLength).put(header);
        return b.array();
    }

    private static String reject(byte[] bytes) {
        return assertThrows(
                        SafetensorsException.class, () -> Safetensors.read(bytes, "t.safetensors"))
                .getMessage();
    }

    private static final String ONE =
            "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";

    @Test
    void validFileReads() {
        Safetensors.Contents c = Safetensors.read(file(ONE, 8), "t");
        assertEquals(List.of("w"), List.copyOf(c.tensors().keySet()));
        assertArrayEquals(new int[] {2}, c.tensors().get("w").shape());
    }

    @Test
    void tooSmallFile() {
        assertEquals(
                "t.safetensors: file of 5 bytes is too small (a safetensors file starts with an 8-byte header length)",
                reject(new byte[5]));
    }

    @Test
    void oversizedHeaderLengthIsRefusedBeforeAllocating() {
        byte[] b = file(new byte[0], 1L << 40, 0);
        assertTrue(reject(b).contains("exceeds the limit of 100000000 bytes"));
        assertTrue(reject(file(new byte[0], -1L, 0)).contains("exceeds the limit"));
    }

    @Test
    void headerPastTheEnd() {
        assertTrue(
                reject(file(ONE.getBytes(StandardCharsets.UTF_8), 500, 0))
                        .contains("extends past the end of the file"));
    }

    @Test
    void nonUtf8Header() {
        byte[] h = {'{', '"', (byte) 0xC3, (byte) 0x28, '"', ':', '1', '}'};
        assertEquals("t.safetensors: header is not valid UTF-8", reject(file(h, h.length, 0)));
    }

    @Test
    void notJson() {
        assertTrue(
                reject(file("{\"w\": [1, 2", 0))
                        .startsWith("t.safetensors: header is not valid JSON"));
        assertEquals("t.safetensors: header must be a JSON object", reject(file("[1,2]", 0)));
    }

    @Test
    void unknownDtype() {
        assertEquals(
                "t.safetensors: tensor 'w' has unknown dtype 'F33'",
                reject(
                        file(
                                "{\"w\":{\"dtype\":\"F33\",\"shape\":[2],\"data_offsets\":[0,8]}}",
                                8)));
    }

    @Test
    void sizeMismatch() {
        assertEquals(
                "t.safetensors: tensor 'w': shape [3] of F32 needs 12 bytes but data_offsets span 8",
                reject(
                        file(
                                "{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}",
                                8)));
    }

    @Test
    void overflowingShape() {
        String h =
                "{\"w\":{\"dtype\":\"F64\",\"shape\":[2147483647,2147483647,2147483647],\"data_offsets\":[0,8]}}";
        assertTrue(reject(file(h, 8)).contains("overflows a 64-bit byte count"));
    }

    @Test
    void overlappingOffsets() {
        String h =
                "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                        + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}";
        assertTrue(
                reject(file(h, 12))
                        .contains("tensor 'b' starts at byte 4 but the previous data ends at 8"));
    }

    @Test
    void gapBetweenOffsets() {
        String h =
                "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                        + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}";
        assertTrue(
                reject(file(h, 12)).contains("starts at byte 8 but the previous data ends at 4"));
        String late = "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}";
        assertTrue(
                reject(file(late, 8)).contains("starts at byte 4 but the previous data ends at 0"));
    }

    @Test
    void trailingBytes() {
        assertEquals(
                "t.safetensors: tensor data ends at byte 8 but the file holds 12 data bytes after the header",
                reject(file(ONE, 12)));
        assertTrue(
                reject(file(ONE, 4)).contains("tensor data ends at byte 8 but the file holds 4"));
    }

    @Test
    void duplicateNames() {
        String h =
                "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                        + "\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}";
        assertTrue(reject(file(h, 8)).contains("duplicate key \"w\""));
    }

    @Test
    void badMetadata() {
        assertEquals(
                "t.safetensors: __metadata__ value for 'a' is not a string",
                reject(file("{\"__metadata__\":{\"a\":1}}", 0)));
    }

    @Test
    void roundTripWithHalfPrecisionConversion(@TempDir Path dir) throws Exception {
        Path p = dir.resolve("m.safetensors");
        float[] w = {1.5f, -2.25f, 3e-3f, 0f, Float.MIN_NORMAL, 65504f};
        Safetensors.write(
                p,
                List.of(Safetensors.Entry.f32("0.weight", new int[] {2, 3}, w)),
                Map.of("k", "v"));
        Safetensors.Contents c = Safetensors.read(p);
        assertArrayEquals(w, c.tensors().get("0.weight").data());
        assertEquals(Map.of("k", "v"), c.metadata());
        try (var files = Files.list(dir)) {
            assertEquals(List.of(p), files.toList(), "no temporary file left behind");
        }
        // F16 and BF16 data convert to float32.
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        ByteBuffer d = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
        d.putShort(Float.floatToFloat16(1.5f))
                .putShort((short) (Float.floatToIntBits(-2.5f) >>> 16));
        data.write(d.array());
        String h =
                "{\"h\":{\"dtype\":\"F16\",\"shape\":[1],\"data_offsets\":[0,2]},"
                        + "\"b\":{\"dtype\":\"BF16\",\"shape\":[1],\"data_offsets\":[2,4]}}";
        byte[] bytes = file(h, 4);
        System.arraycopy(data.toByteArray(), 0, bytes, bytes.length - 4, 4);
        Safetensors.Contents half = Safetensors.read(bytes, "half");
        assertArrayEquals(new float[] {1.5f}, half.tensors().get("h").data());
        assertArrayEquals(new float[] {-2.5f}, half.tensors().get("b").data());
    }

    @Test
    void arbitraryBytesOnlyEverRaiseTheFormatException() {
        byte[] valid = file(ONE, 8);
        SplittableRandom rng = new SplittableRandom(20261123L);
        for (int i = 0; i < 20_000; i++) {
            long seed = rng.nextLong();
            SplittableRandom r = new SplittableRandom(seed);
            byte[] b;
            if (i % 2 == 0) {
                b = new byte[r.nextInt(64)];
                for (int j = 0; j < b.length; j++) {
                    b[j] = (byte) r.nextInt(256);
                }
                if (b.length >= 8 && r.nextBoolean()) {
                    ByteBuffer.wrap(b)
                            .order(ByteOrder.LITTLE_ENDIAN)
                            .putLong(0, r.nextInt(b.length));
                }
            } else {
                b = valid.clone();
                for (int k = 0; k < 1 + r.nextInt(4); k++) {
                    b[r.nextInt(b.length)] = (byte) r.nextInt(256);
                }
            }
            try {
                Safetensors.read(b, "random");
            } catch (SafetensorsException expected) {
                // the only exception allowed
            } catch (RuntimeException | Error e) {
                throw new AssertionError("seed " + seed + ": " + e, e);
            }
        }
    }
}
