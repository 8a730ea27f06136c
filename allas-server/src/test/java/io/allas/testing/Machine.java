package io.allas.testing;

import org.testcontainers.DockerClientFactory;

/**
 * What the machine the tests run on offers the fixture, asked one question at a time so that
 * {@link SourceSelection} asks only as far as it must: whether Docker answers is asked last, since
 * Testcontainers' probing may take seconds and must not slow a run that has PostgreSQL at hand.
 */
interface Machine {

    boolean hasSystemBinaries();

    boolean hasZonkyBinaries();

    boolean dockerAnswers();

    /** This machine. */
    static Machine local() {
        return new Machine() {
            @Override
            public boolean hasSystemBinaries() {
                return PostgresBinaries.system().isPresent();
            }

            @Override
            public boolean hasZonkyBinaries() {
                return ZonkyBinaries.available();
            }

            @Override
            public boolean dockerAnswers() {
                return DockerClientFactory.instance().isDockerAvailable();
            }
        };
    }
}
