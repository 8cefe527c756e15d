package dev.vtrain.cli;

/**
 * A flag, or a flag's value, that is wrong on its own or with the other flags: the command exits
 * with status 2 (usage error) and prints the message, which names the flag, what was expected and
 * what was found.
 */
final class UsageException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    UsageException(String message) {
        super(message);
    }

    /** Runs {@code check}, turning the argument errors it throws into usage errors. */
    static void wrap(Runnable check) {
        try {
            check.run();
        } catch (UsageException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }
}
