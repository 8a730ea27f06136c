package io.allas.server.auth;

import java.io.IOException;
import java.lang.module.Configuration;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReference;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import io.allas.auth.spi.AuthMethodProvider;
import io.allas.server.config.ConfigException;

/**
 * Finds the authentication methods: those on the class path or module path allas runs from,
 * and those in the jars of the plugins directory.
 *
 * <p>How plugin-directory jars are loaded follows how allas itself runs. On the class path
 * ({@code java -jar allas.jar}) they get a class loader whose parent is allas's, and are found
 * through {@code META-INF/services}. On the module path ({@code java -p ... -m io.allas.server})
 * they become a module layer above the boot layer, so plugin modules that {@code requires
 * io.allas.auth.spi} resolve against the very SPI module allas uses. Every plugin jar ships both
 * descriptors and works either way.
 */
public final class AuthPlugins {

    private final Map<String, AuthMethodProvider> providers;
    private final List<String> sources;

    private AuthPlugins(Map<String, AuthMethodProvider> providers, List<String> sources) {
        this.providers = providers;
        this.sources = sources;
    }

    /**
     * @param pluginDirectory the plugins directory; it need not exist
     * @return the methods found
     * @throws ConfigException when a jar cannot be loaded or two providers claim one method name
     */
    public static AuthPlugins load(Path pluginDirectory) throws ConfigException {
        List<AuthMethodProvider> found = new ArrayList<>();
        found.addAll(collect(ServiceLoader.load(AuthMethodProvider.class, AuthPlugins.class.getClassLoader())));
        List<Path> jars = jarsIn(pluginDirectory);
        if (!jars.isEmpty()) {
            List<AuthMethodProvider> plugins = AuthPlugins.class.getModule().isNamed()
                    ? fromModuleLayer(jars) : fromClassLoader(jars);
            requireOneJarPerProvider(plugins, jars);
            found.addAll(plugins);
        }
        Map<String, AuthMethodProvider> byMethod = new LinkedHashMap<>();
        List<String> sources = new ArrayList<>();
        for (AuthMethodProvider provider : found) {
            AuthMethodProvider previous = byMethod.get(provider.method());
            if (previous == null) {
                byMethod.put(provider.method(), provider);
                sources.add(provider.method() + " (" + origin(provider) + ")");
            } else if (!previous.getClass().getName().equals(provider.getClass().getName())) {
                throw new ConfigException("authentication method \"" + provider.method() + "\" is provided twice: by "
                        + origin(previous) + " and by " + origin(provider));
            }
        }
        return new AuthPlugins(Map.copyOf(byMethod), List.copyOf(sources));
    }

    /**
     * @param method a method name
     * @return its provider, or null
     */
    public AuthMethodProvider provider(String method) {
        return providers.get(method);
    }

    /**
     * @return the method names available, sorted
     */
    public Collection<String> methods() {
        return providers.keySet().stream().sorted().toList();
    }

    /**
     * @return one entry per method: its name and where it came from
     */
    public List<String> describe() {
        return sources;
    }

    private static List<Path> jarsIn(Path directory) throws ConfigException {
        if (!Files.isDirectory(directory)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(directory)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".jar")).sorted().toList();
        } catch (IOException e) {
            throw new ConfigException("cannot read plugin directory \"" + directory.normalize() + "\": " + e.getMessage(), e);
        }
    }

    /**
     * Two copies of one plugin jar (an upgrade that left the old one behind, say) load as one
     * provider: the class loader, or the module finder, takes the first copy and hides the other.
     * Their descriptors still tell.
     */
    private static void requireOneJarPerProvider(List<AuthMethodProvider> providers, List<Path> jars)
            throws ConfigException {
        Map<String, List<Path>> jarsByProvider = new HashMap<>();
        for (Path jar : jars) {
            for (String provider : DeclaredProviders.of(jar)) {
                jarsByProvider.computeIfAbsent(provider, name -> new ArrayList<>()).add(jar);
            }
        }
        for (AuthMethodProvider provider : providers) {
            String name = provider.getClass().getName();
            List<Path> declaring = jarsByProvider.getOrDefault(name, List.of());
            if (declaring.size() > 1) {
                throw new ConfigException("authentication method \"" + provider.method() + "\" is provided twice: by "
                        + name + " from " + declaring.get(0).getFileName() + " and by " + name + " from "
                        + declaring.get(1).getFileName());
            }
        }
    }

    private static List<AuthMethodProvider> fromClassLoader(List<Path> jars) throws ConfigException {
        URL[] urls = new URL[jars.size()];
        for (int i = 0; i < urls.length; i++) {
            try {
                urls[i] = jars.get(i).toUri().toURL();
            } catch (MalformedURLException e) {
                throw new ConfigException("cannot load plugin \"" + jars.get(i).normalize() + "\": " + e.getMessage(), e);
            }
        }
        // Never closed: the plugins' classes live as long as the process.
        ClassLoader loader = new URLClassLoader("allas-plugins", urls, AuthPlugins.class.getClassLoader());
        return collect(ServiceLoader.load(AuthMethodProvider.class, loader));
    }

    private static List<AuthMethodProvider> fromModuleLayer(List<Path> jars) throws ConfigException {
        ModuleLayer parent = AuthPlugins.class.getModule().getLayer();
        ModuleFinder finder = ModuleFinder.of(jars.toArray(Path[]::new));
        // Jars also on the module path are already in the parent layer; resolving them again would clash.
        Set<String> roots = finder.findAll().stream()
                .map(ModuleReference::descriptor)
                .map(java.lang.module.ModuleDescriptor::name)
                .filter(name -> parent.findModule(name).isEmpty())
                .collect(Collectors.toSet());
        if (roots.isEmpty()) {
            return List.of();
        }
        try {
            Configuration configuration = parent.configuration().resolveAndBind(finder, ModuleFinder.of(), roots);
            ModuleLayer layer = parent.defineModulesWithOneLoader(configuration, AuthPlugins.class.getClassLoader());
            return collect(ServiceLoader.load(layer, AuthMethodProvider.class)).stream()
                    .filter(p -> p.getClass().getModule().getLayer() == layer)
                    .toList();
        } catch (RuntimeException e) {
            throw new ConfigException("cannot load the plugins in \"" + jars.getFirst().getParent().normalize() + "\": " + e.getMessage(), e);
        }
    }

    private static List<AuthMethodProvider> collect(ServiceLoader<AuthMethodProvider> loader) throws ConfigException {
        List<AuthMethodProvider> providers = new ArrayList<>();
        try {
            loader.forEach(providers::add);
        } catch (ServiceConfigurationError e) {
            throw new ConfigException("cannot load an authentication plugin: " + e.getMessage(), e);
        }
        return providers;
    }

    private static String origin(AuthMethodProvider provider) {
        var source = provider.getClass().getProtectionDomain().getCodeSource();
        String location = source == null || source.getLocation() == null ? "?" : Path.of(source.getLocation().getPath()).getFileName().toString();
        return provider.getClass().getName() + " from " + location;
    }
}
