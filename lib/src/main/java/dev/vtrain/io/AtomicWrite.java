package dev.vtrain.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Durable, atomic file replacement: the content goes to a temporary file in the target's directory,
 * is forced to disk, renamed over the target in one step, and the directory is forced too. A crash
 * leaves either the old file or the new one, never a mix; the temporary file's name starts with '.'
 * and ends in '.tmp', so it is never mistaken for the target.
 *
 * <p>The target's directory must exist (none is created). A new file gets the permissions the
 * process's umask gives; a replaced file keeps its permissions.
 */
public final class AtomicWrite {
    /**
     * Test hook: when ≥ 0, a write fails with an IOException after this many bytes (fault
     * injection).
     */
    static volatile long failAfterBytes = -1;

    private AtomicWrite() {}

    /** Writes {@code buffers} (in order) to {@code target} atomically. */
    public static void write(Path target, ByteBuffer... buffers) throws IOException {
        Path abs = target.toAbsolutePath();
        Path dir = abs.getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            throw new NoSuchFileException(
                    String.valueOf(dir),
                    null,
                    "the directory to write " + target + " into does not exist");
        }
        Path tmp = temporary(dir, abs.getFileName().toString());
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                long written = 0;
                for (ByteBuffer b : buffers) {
                    while (b.hasRemaining()) {
                        long limit = failAfterBytes;
                        if (limit >= 0 && written + b.remaining() > limit) {
                            ByteBuffer part = b.slice().limit((int) Math.max(0, limit - written));
                            ch.write(part);
                            throw new IOException("injected fault after " + limit + " bytes");
                        }
                        written += ch.write(b);
                    }
                }
                ch.force(true);
            }
            keepPermissions(abs, tmp);
            try {
                Files.move(
                        tmp,
                        abs,
                        StandardCopyOption.ATOMIC_MOVE,
                        StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
            }
            forceDirectory(dir);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * Creates an empty temporary file beside the target with {@code CREATE_NEW} and no explicit
     * attributes, so its permissions follow the umask ({@code Files.createTempFile} would make it
     * 0600).
     */
    private static Path temporary(Path dir, String name) throws IOException {
        for (int attempt = 0; ; attempt++) {
            Path tmp =
                    dir.resolve(
                            "."
                                    + name
                                    + "."
                                    + Long.toUnsignedString(
                                            ThreadLocalRandom.current().nextLong(), 36)
                                    + ".tmp");
            try {
                Files.newByteChannel(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)
                        .close();
                return tmp;
            } catch (FileAlreadyExistsException e) {
                if (attempt > 100) {
                    throw e;
                }
            }
        }
    }

    private static void keepPermissions(Path target, Path tmp) throws IOException {
        if (!Files.exists(target)) {
            return;
        }
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(target);
            Files.setPosixFilePermissions(tmp, perms);
        } catch (UnsupportedOperationException e) {
            // Not a POSIX file system: the new file keeps the default permissions.
        }
    }

    /** Writes a UTF-8 string atomically. */
    public static void writeString(Path target, String content) throws IOException {
        write(target, ByteBuffer.wrap(content.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    private static void forceDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // Some platforms and file systems cannot open or sync a directory; the rename still
            // happened.
        }
    }
}
