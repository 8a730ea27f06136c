package io.allas.server;

import java.lang.module.ModuleDescriptor;
import java.util.Optional;

/**
 * The version allas was built as.
 */
final class AllasVersion {

    private AllasVersion() {
    }

    /**
     * @return the project version, or {@code (development build)} when allas runs from classes
     *         rather than from its jar
     */
    static String current() {
        // java -jar allas.jar: the manifest's Implementation-Version.
        String version = AllasVersion.class.getPackage().getImplementationVersion();
        if (version != null) {
            return version;
        }
        // java -p ... -m io.allas.server: a named module's packages carry no manifest attributes, but
        // the module descriptor carries the version the compiler recorded.
        return Optional.ofNullable(AllasVersion.class.getModule().getDescriptor())
                .flatMap(ModuleDescriptor::rawVersion)
                .orElse("(development build)");
    }
}
