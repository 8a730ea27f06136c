package io.allas.server.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.ResultSet;
import java.util.Properties;

import org.junit.jupiter.api.Test;

import io.allas.server.config.ConfigException;
import io.allas.server.config.ConnectionString;
import io.allas.testing.Ports;
import io.allas.testing.TestPostgres;
import io.allas.testing.TestRelay;

/**
 * The {@code connect} string means to allas what it means to libpq.
 */
class UpstreamTargetTest {

    private static UpstreamTarget target(String connect) throws ConfigException {
        return UpstreamTarget.from(ConnectionString.parse(connect));
    }

    @Test
    void keyValueFormWithQuotingAndEscapes() throws ConfigException {
        UpstreamTarget target = target("host=db.internal port = 5433 dbname='my db' user=relay password='it\\'s \\\\ quoted' "
                + "sslmode=verify-full sslrootcert=/etc/ca.pem connect_timeout=7 application_name=notify-relay");
        assertEquals("jdbc:postgresql://db.internal:5433/my%20db", target.url());
        Properties p = target.properties();
        assertEquals("relay", p.getProperty("user"));
        assertEquals("verify-full", p.getProperty("sslmode"));
        assertEquals("/etc/ca.pem", p.getProperty("sslrootcert"));
        assertEquals("7", p.getProperty("connectTimeout"));
        assertEquals("notify-relay", p.getProperty("ApplicationName"));
        assertEquals("it's \\ quoted", p.getProperty("password"));
        assertFalse(target.toString().contains("quoted"), "the password never shows: " + target);
    }

    @Test
    void uriFormWithSeveralHosts() throws ConfigException {
        UpstreamTarget target = target("postgresql://us%40er:p%3Ass@primary:5432,[::1]:5433,standby/app"
                + "?target_session_attrs=read-write&sslmode=disable");
        assertEquals("jdbc:postgresql://primary:5432,[::1]:5433,standby:5432/app", target.url());
        assertEquals("us@er", target.properties().getProperty("user"));
        assertEquals("p:ss", target.properties().getProperty("password"));
        assertEquals("primary", target.properties().getProperty("targetServerType"));
        assertEquals("disable", target.properties().getProperty("sslmode"));
    }

    @Test
    void fallbackApplicationNameIsAllas() throws ConfigException {
        assertEquals("allas", target("host=x").properties().getProperty("ApplicationName"));
    }

    @Test
    void unsupportedOrInvalidKeywordsAreConfigErrorsNamingThem() {
        ConfigException e = assertThrows(ConfigException.class, () -> target("host=x gssencmode=disable"));
        assertTrue(e.getMessage().startsWith("invalid value for option \"connect\": unsupported connection keyword \"gssencmode\""),
                e.getMessage());
        assertTrue(assertThrows(ConfigException.class, () -> target("host=x sslmode=sometimes")).getMessage()
                .contains("invalid sslmode value: \"sometimes\""));
        assertTrue(assertThrows(ConfigException.class, () -> target("host=/var/run/postgresql")).getMessage()
                .contains("UNIX-domain socket"));
        assertTrue(assertThrows(ConfigException.class, () -> target("host=a,b,c port=1,2")).getMessage()
                .contains("could not match 2 port numbers to 3 hosts"));
        assertTrue(assertThrows(ConfigException.class, () -> target("host x")).getMessage()
                .contains("missing \"=\" after \"host\""));
        ConfigException badEscape = assertThrows(ConfigException.class, () -> target("postgresql://u:pa%zzword@h/db"));
        assertEquals("invalid value for option \"connect\": invalid percent-encoding in the URI", badEscape.getMessage());
    }

    @Test
    void aUriWithSeveralHostsReachesTheOneThatAnswers() throws Exception {
        TestPostgres pg = TestPostgres.shared();
        String connect = "postgresql://" + pg.user() + ":" + pg.password() + "@127.0.0.1:" + Ports.free() + ",127.0.0.1:"
                + pg.port() + "/" + pg.database() + "?sslmode=disable&application_name=uri-relay&connect_timeout=2";
        try (TestRelay relay = TestRelay.builder().trust("app")
                .extraSections("  \"connect\": \"" + connect + "\",\n").startWithoutDefaultConnect();
             Connection direct = pg.connect();
             ResultSet rows = direct.createStatement().executeQuery(
                     "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'uri-relay'")) {
            assertTrue(rows.next());
            assertEquals(1, rows.getInt(1));
            relay.connect("app", "app", null).close();
        }
    }
}
