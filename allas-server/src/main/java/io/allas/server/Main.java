package io.allas.server;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

import io.allas.server.config.AllasConfig;
import io.allas.server.config.ConfigException;
import io.allas.server.config.ConfigLoader;

/**
 * The command line: {@code java -jar allas.jar allas.json}.
 */
public final class Main {

    private static final System.Logger LOG = System.getLogger(Main.class.getName());

    private Main() {
    }

    public static void main(String[] args) {
        ConsoleLogging.install();
        switch (CommandLine.parse(args)) {
            case CommandLine.ShowUsage() -> System.out.print(CommandLine.usage());
            case CommandLine.ShowVersion() -> System.out.println("allas " + AllasVersion.current());
            case CommandLine.Mistake(String problem) -> {
                System.err.println("allas: " + problem);
                System.err.print(CommandLine.usage());
                System.exit(2);
            }
            case CommandLine.Run(Path configFile) -> run(configFile);
        }
    }

    private static void run(Path configFile) {
        try {
            List<String> warnings = new ArrayList<>();
            AllasConfig config = ConfigLoader.load(configFile, System.getenv(), warnings);
            ConsoleLogging.setLevel(config.logLevel());
            warnings.forEach(w -> LOG.log(System.Logger.Level.WARNING, w));
            Allas allas = Allas.start(config, defaultPluginDirectory());
            LOG.log(System.Logger.Level.INFO, "allas {0} listening on {1}{2}; upstream {3}",
                    AllasVersion.current(), ListenerDescription.of(config.listen(), allas.port()),
                    config.prometheus()
                            .map(p -> ", metrics on http://" + ListenerDescription.of(p, allas.httpPort()) + "/metrics")
                            .orElse(""),
                    allas.upstreams());
            allas.reloadFrom(configFile, System.getenv());
            allas.watchConfigFile();
            awaitStopSignal(allas);
            LOG.log(System.Logger.Level.INFO, "allas stopping: telling clients, closing the upstream connection");
            allas.close();
            LOG.log(System.Logger.Level.INFO, "allas stopped");
            System.exit(0);
        } catch (ConfigException e) {
            System.err.println("allas: " + e.getMessage());
            System.exit(1);
        } catch (RuntimeException e) {
            // Not a configuration mistake we foresaw: say what failed in one line, details at debug level.
            LOG.log(System.Logger.Level.DEBUG, "startup failed", e);
            System.err.println("allas: cannot start: " + e);
            System.exit(1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Blocks until SIGTERM or SIGINT, reloading on SIGHUP meanwhile. Handling the signals ourselves,
     * rather than in a shutdown hook, lets allas end clients with 57P01 and exit with status 0, as
     * an orderly stop should; without a handler SIGHUP would end the JVM.
     */
    private static void awaitStopSignal(Allas allas) throws InterruptedException {
        CountDownLatch stop = new CountDownLatch(1);
        for (String name : new String[] {"TERM", "INT"}) {
            sun.misc.Signal.handle(new sun.misc.Signal(name), signal -> stop.countDown());
        }
        sun.misc.Signal.handle(new sun.misc.Signal("HUP"), signal -> {
            LOG.log(System.Logger.Level.INFO, "SIGHUP: reloading the configuration");
            allas.reload();
        });
        stop.await();
    }

    /**
     * {@code plugins/} beside the jar allas runs from.
     */
    private static Path defaultPluginDirectory() {
        try {
            Path codeSource = Path.of(Main.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            Path base = Files.isDirectory(codeSource) ? codeSource : codeSource.getParent();
            return base.resolve("plugins");
        } catch (URISyntaxException | RuntimeException e) {
            return Path.of("plugins");
        }
    }
}
