package dev.vtrain.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;

/**
 * What {@code --data} held when a run started: total size and SHA-256 of the file (or of every file
 * of a directory, in name order), stored in checkpoints so a resume on changed data is refused.
 * Embedded datasets have no fingerprint (they cannot change under a run).
 */
final class DataFingerprint {
    /** Metadata key in checkpoints. */
    static final String KEY = "vtrain.data_fingerprint";

    private DataFingerprint() {}

    /** "SIZE bytes, sha256 HEX" of the data, or null for an embedded dataset. */
    static String of(String data) {
        String key = data.toLowerCase(Locale.ROOT);
        Path path =
                key.equals("fashion-mnist")
                        ? dev.vtrain.data.FashionMnist.DEFAULT_DIR
                        : Path.of(data);
        if (!Files.exists(path)) {
            return null;
        }
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            List<Path> files = new ArrayList<>();
            if (Files.isDirectory(path)) {
                try (DirectoryStream<Path> ds = Files.newDirectoryStream(path)) {
                    for (Path p : ds) {
                        if (Files.isRegularFile(p)) {
                            files.add(p);
                        }
                    }
                }
                files.sort(null);
            } else {
                files.add(path);
            }
            long size = 0;
            byte[] buf = new byte[1 << 16];
            for (Path f : files) {
                md.update(
                        f.getFileName()
                                .toString()
                                .getBytes(java.nio.charset.StandardCharsets.UTF_8));
                try (InputStream in = Files.newInputStream(f)) {
                    int n;
                    while ((n = in.read(buf)) > 0) {
                        md.update(buf, 0, n);
                        size += n;
                    }
                }
            }
            return size + " bytes, sha256 " + HexFormat.of().formatHex(md.digest());
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read --data " + data + ": " + e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JDK", e);
        }
    }
}
