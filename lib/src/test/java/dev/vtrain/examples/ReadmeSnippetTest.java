package dev.vtrain.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's "Use as a library" snippet, taken from README.md itself: it must compile against the
 * library (with only {@code --add-modules jdk.incubator.vector}, no warnings) and, run, learn XOR
 * and answer from snapshots.
 */
class ReadmeSnippetTest {
    private static final String MARKER = "<!-- compiled and run by ReadmeSnippetTest -->";

    @Test
    void theReadmeLibrarySnippetCompilesAndLearnsXor(@TempDir Path dir) throws Exception {
        Path readme = Path.of("..", "README.md");
        String text = Files.readString(readme);
        int at = text.indexOf(MARKER);
        assertTrue(at >= 0, "README.md has no " + MARKER);
        int start = text.indexOf("```java\n", at) + "```java\n".length();
        String source = text.substring(start, text.indexOf("```", start));
        Path file = dir.resolve("QuickStart.java");
        Files.writeString(file, source);
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        ByteArrayOutputStream diagnostics = new ByteArrayOutputStream();
        int rc =
                javac.run(
                        null,
                        diagnostics,
                        diagnostics,
                        "-Xlint:all",
                        "-Werror",
                        "-classpath",
                        System.getProperty("java.class.path"),
                        "-d",
                        dir.toString(),
                        file.toString());
        assertEquals(0, rc, "javac: " + diagnostics.toString(StandardCharsets.UTF_8));
        PrintStream old = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (URLClassLoader loader =
                new URLClassLoader(new URL[] {dir.toUri().toURL()}, getClass().getClassLoader())) {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            loader.loadClass("QuickStart")
                    .getMethod("main", String[].class)
                    .invoke(null, (Object) new String[0]);
        } finally {
            System.setOut(old);
        }
        String printed = out.toString(StandardCharsets.UTF_8);
        assertTrue(printed.contains("backend: cpu"), printed);
        assertTrue(printed.contains("snapshot "), printed);
        Matcher m = Pattern.compile("(\\d,\\d) -> P\\(different\\) = ([0-9.]+)").matcher(printed);
        int rows = 0;
        while (m.find()) {
            double p = Double.parseDouble(m.group(2));
            boolean different = List.of("0,1", "1,0").contains(m.group(1));
            assertTrue(different ? p > 0.9 : p < 0.1, m.group() + " in\n" + printed);
            rows++;
        }
        assertEquals(4, rows, printed);
    }
}
