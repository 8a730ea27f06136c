package io.allas.server;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What the command line asks for: {@code allas [--help] [--version] CONFIG.json}.
 */
final class CommandLine {

    /** The system property by which a launcher names itself, so that the usage shows what the user ran. */
    static final String COMMAND_PROPERTY = "allas.command";

    private static final String USAGE = """
            Usage: %s [--help] [--version] CONFIG.json

            allas relays PostgreSQL LISTEN/NOTIFY: clients speak the PostgreSQL protocol to it, and it
            holds one connection to the real server on which it listens for all of them.

            CONFIG.json is the allas configuration file (the original allas format). Any key can be
            overridden by an environment variable: ALLAS_ followed by the key path in upper case with
            underscores, e.g. ALLAS_LISTEN_PORT=6433, ALLAS_CONNECT='host=db port=5432',
            ALLAS_DATABASES_0_AUTH_PASSWORD=secret.

            Plugins: jars in the plugins/ directory beside allas.jar (or "plugin_directory") are loaded
            at startup; name their method in "auth.method".

            Options:
              --help, -h   print this text and exit
              --version    print the version and exit
            """;

    /** What to do. */
    sealed interface Request {
    }

    /** Print the usage and exit 0. */
    record ShowUsage() implements Request {
    }

    /** Print the version and exit 0. */
    record ShowVersion() implements Request {
    }

    /**
     * Run with a configuration file.
     *
     * @param configFile the file
     */
    record Run(Path configFile) implements Request {
    }

    /**
     * The arguments make no sense: say why, print the usage, exit 2.
     *
     * @param problem what is wrong, one line
     */
    record Mistake(String problem) implements Request {
    }

    private CommandLine() {
    }

    /**
     * @param args the arguments of {@code main}
     * @return what they ask for; the first option decides
     */
    static Request parse(String[] args) {
        List<String> files = new ArrayList<>();
        for (String arg : args) {
            switch (arg) {
                case "--help", "-h" -> {
                    return new ShowUsage();
                }
                case "--version" -> {
                    return new ShowVersion();
                }
                default -> {
                    if (arg.startsWith("-")) {
                        return new Mistake("unknown option \"" + arg + "\"");
                    }
                    files.add(arg);
                }
            }
        }
        return switch (files.size()) {
            case 0 -> new Mistake("no configuration file given");
            case 1 -> new Run(Path.of(files.getFirst()));
            default -> new Mistake("one configuration file expected, " + files.size() + " given");
        };
    }

    /**
     * @return the usage text, naming the command as the user ran it
     */
    static String usage() {
        return USAGE.formatted(System.getProperty(COMMAND_PROPERTY, "java -jar allas.jar"));
    }
}
