package dev.vtrain.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * Reads IDX files (the MNIST and Fashion-MNIST format), gzipped or not (detected from the gzip
 * magic bytes): two zero bytes, a type byte (only {@code 0x08}, unsigned byte, is supported), the
 * number of dimensions, each dimension as a big-endian int32, then the data. Stateless; any thread
 * may call it.
 */
public final class IdxReader {
    /** Largest element count accepted (bounds memory use on a corrupt header). */
    static final long MAX_ELEMENTS = Integer.MAX_VALUE - 8;

    private IdxReader() {}

    /** The dimensions and unsigned-byte data of an IDX file. */
    // A data carrier: arrays are shared on purpose (large, read-only); equality is identity.
    @SuppressWarnings("ArrayRecordComponent")
    public record IdxArray(int[] dims, byte[] data) {
        /** The value at flat index {@code i}, in [0, 255]. */
        public int get(int i) {
            return data[i] & 0xFF;
        }
    }

    /**
     * Reads an IDX file.
     *
     * @throws DataFormatException if the file is missing, unreadable or malformed
     */
    public static IdxArray read(Path file) {
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(file))) {
            raw.mark(2);
            int b0 = raw.read();
            int b1 = raw.read();
            raw.reset();
            boolean gzip = b0 == 0x1f && b1 == 0x8b;
            try (InputStream in = gzip ? new BufferedInputStream(new GZIPInputStream(raw)) : raw) {
                return read(in, file.toString());
            }
        } catch (NoSuchFileException e) {
            throw new DataFormatException(file + ": no such file");
        } catch (EOFException e) {
            throw new DataFormatException(file + ": truncated IDX header");
        } catch (IOException e) {
            throw new DataFormatException(
                    file + ": cannot read IDX data (" + e.getMessage() + ")", e);
        }
    }

    /** Reads IDX data from a stream; {@code source} names it in errors. */
    public static IdxArray read(InputStream stream, String source) throws IOException {
        DataInputStream in = new DataInputStream(stream);
        int zero0 = in.readUnsignedByte();
        int zero1 = in.readUnsignedByte();
        int type = in.readUnsignedByte();
        int rank = in.readUnsignedByte();
        if (zero0 != 0 || zero1 != 0) {
            throw new DataFormatException(
                    String.format(
                            "%s: not an IDX file (expected magic 00 00 at the start, found %02x %02x)",
                            source, zero0, zero1));
        }
        if (type != 0x08) {
            throw new DataFormatException(
                    String.format(
                            "%s: unsupported IDX element type 0x%02x (expected 0x08, unsigned byte)",
                            source, type));
        }
        if (rank < 1) {
            throw new DataFormatException(
                    source + ": IDX file with 0 dimensions (expected at least 1)");
        }
        int[] dims = new int[rank];
        long total = 1;
        for (int i = 0; i < rank; i++) {
            dims[i] = in.readInt();
            if (dims[i] < 0) {
                throw new DataFormatException(source + ": negative IDX dimension " + dims[i]);
            }
            total *= dims[i];
            if (total > MAX_ELEMENTS) {
                throw new DataFormatException(
                        source
                                + ": IDX dimensions describe more than "
                                + MAX_ELEMENTS
                                + " elements");
            }
        }
        byte[] data = in.readNBytes((int) total);
        if (data.length != total) {
            throw new DataFormatException(
                    source
                            + ": truncated IDX data (header promises "
                            + total
                            + " bytes, found "
                            + data.length
                            + ")");
        }
        if (in.read() != -1) {
            throw new DataFormatException(
                    source + ": trailing bytes after the " + total + " IDX data bytes");
        }
        return new IdxArray(dims, data);
    }
}
