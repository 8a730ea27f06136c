package io.allas.server.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.sql.SQLException;

import org.junit.jupiter.api.Test;

import io.allas.testing.TestRelay;

/**
 * Without an {@code admin} section there is no console: its name is an unknown database. A class
 * of its own, since a relay's metrics live in the JVM's one registry and a second relay closing
 * would take the first one's away.
 */
class AdminConsoleAbsentTest {

    @Test
    void withoutAnAdminSectionTheNameIsAnUnknownDatabase() {
        try (TestRelay plain = TestRelay.builder().trust("app").start()) {
            SQLException e = assertThrows(SQLException.class, () -> plain.connect("allas", "ops", "whatever"));
            assertEquals("3D000", e.getSQLState(), e.getMessage());
        }
    }
}
