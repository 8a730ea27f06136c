package io.allas.server.auth;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.lang.module.InvalidModuleDescriptorException;
import java.lang.module.ModuleDescriptor;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.jar.JarFile;
import java.util.zip.ZipEntry;

import io.allas.auth.spi.AuthMethodProvider;
import io.allas.server.config.ConfigException;

/**
 * The authentication providers a plugin jar declares, read from its descriptors without loading
 * any of its classes.
 */
final class DeclaredProviders {

    private static final String SERVICE = AuthMethodProvider.class.getName();
    private static final String SERVICES_FILE = "META-INF/services/" + SERVICE;

    private DeclaredProviders() {
    }

    /**
     * @param jar a plugin jar
     * @return the provider class names in its {@code META-INF/services} file and its
     *         {@code module-info.class}
     * @throws ConfigException when the jar cannot be read
     */
    static Set<String> of(Path jar) throws ConfigException {
        Set<String> classes = new TreeSet<>();
        try (JarFile file = new JarFile(jar.toFile())) {
            ZipEntry services = file.getEntry(SERVICES_FILE);
            if (services != null) {
                try (BufferedReader lines = new BufferedReader(
                        new InputStreamReader(file.getInputStream(services), StandardCharsets.UTF_8))) {
                    lines.lines()
                            .map(line -> line.replaceFirst("#.*", "").strip())
                            .filter(line -> !line.isEmpty())
                            .forEach(classes::add);
                }
            }
            ZipEntry moduleInfo = file.getEntry("module-info.class");
            if (moduleInfo != null) {
                try (InputStream in = file.getInputStream(moduleInfo)) {
                    ModuleDescriptor.read(in).provides().stream()
                            .filter(provides -> provides.service().equals(SERVICE))
                            .forEach(provides -> classes.addAll(provides.providers()));
                }
            }
        } catch (IOException | InvalidModuleDescriptorException e) {
            throw new ConfigException("cannot load plugin \"" + jar.normalize() + "\": " + e.getMessage(), e);
        }
        return classes;
    }
}
