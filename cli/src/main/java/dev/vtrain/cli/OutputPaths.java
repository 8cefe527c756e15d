package dev.vtrain.cli;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Checks output paths before any work is done, so a run never trains for an hour and then fails to
 * write: the directory holding each output must exist and be writable, and the output itself must
 * not be a directory (or, for a directory output, must be one or not exist yet). Nothing is created
 * here, and no directory is ever created that was not asked for.
 */
final class OutputPaths {
    private OutputPaths() {}

    /**
     * Checks that {@code file} (given with {@code flag}) can be written atomically: its directory
     * exists and is writable, and it is not itself a directory. Does nothing for null.
     *
     * @throws UsageException naming the flag, the path and what is wrong
     */
    static void checkFile(String flag, Path file) {
        if (file == null) {
            return;
        }
        if (Files.isDirectory(file)) {
            throw new UsageException(
                    flag + " " + file + ": expected a file name but found a directory");
        }
        checkParent(flag, file);
        if (Files.exists(file) && !Files.isWritable(file)) {
            throw new UsageException(flag + " " + file + ": the file exists and is not writable");
        }
    }

    /**
     * Checks that {@code dir} (given with {@code flag}) is a writable directory, or does not exist
     * yet in a writable directory (then it is the one directory the run may create). Does nothing
     * for null.
     *
     * @throws UsageException naming the flag, the path and what is wrong
     */
    static void checkDirectory(String flag, Path dir) {
        if (dir == null) {
            return;
        }
        if (Files.isDirectory(dir)) {
            if (!Files.isWritable(dir)) {
                throw new UsageException(flag + " " + dir + ": the directory is not writable");
            }
            return;
        }
        if (Files.exists(dir)) {
            throw new UsageException(flag + " " + dir + ": expected a directory but found a file");
        }
        checkParent(flag, dir);
    }

    private static void checkParent(String flag, Path p) {
        Path parent = p.toAbsolutePath().getParent();
        if (parent == null) {
            throw new UsageException(flag + " " + p + ": expected a file path, found a root");
        }
        if (!Files.isDirectory(parent)) {
            throw new UsageException(
                    flag
                            + " "
                            + p
                            + ": the directory "
                            + parent
                            + (Files.exists(parent) ? " is a file" : " does not exist")
                            + " (vtrain creates no directories; make it first)");
        }
        if (!Files.isWritable(parent)) {
            throw new UsageException(
                    flag + " " + p + ": the directory " + parent + " is not writable");
        }
    }
}
