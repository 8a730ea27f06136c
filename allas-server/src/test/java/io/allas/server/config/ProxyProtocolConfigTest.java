package io.allas.server.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Map;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code listen.proxy_protocol.trusted} as an operator writes it: a JSON array of CIDR ranges in
 * the file, a comma-separated list in the environment, and one-line errors naming the key.
 */
@Tag("unit")
class ProxyProtocolConfigTest {

    private static final String DATABASES = "\"databases\": [{\"name\": \"d\", \"auth\": {\"method\": \"trust\"}}]";

    @TempDir
    Path directory;

    private AllasConfig load(String listen, Map<String, String> environment) throws IOException, ConfigException {
        Path file = directory.resolve("allas.json");
        Files.writeString(file, "{\"listen\": " + listen + ", " + DATABASES + "}");
        return ConfigLoader.load(file, environment, new ArrayList<>());
    }

    @Test
    void offWithoutTheSection() throws Exception {
        assertTrue(load("{\"port\": 6433}", Map.of()).proxyProtocol().isEmpty());
    }

    @Test
    void rangesOfBothFamiliesAndSingleAddresses() throws Exception {
        ProxyProtocol proxy = load("{\"proxy_protocol\": {\"trusted\": [\"10.0.0.0/8\", \"192.0.2.7\", \"fd00::/8\"]}}",
                Map.of()).proxyProtocol().orElseThrow();
        assertTrue(proxy.trusts(InetAddress.getByName("10.200.3.4")));
        assertTrue(proxy.trusts(InetAddress.getByName("192.0.2.7")));
        assertFalse(proxy.trusts(InetAddress.getByName("192.0.2.8")));
        assertTrue(proxy.trusts(InetAddress.getByName("fd12::1")));
        assertFalse(proxy.trusts(InetAddress.getByName("fe80::1")));
        assertFalse(proxy.trusts(InetAddress.getByName("11.0.0.1")));
    }

    @Test
    void theEnvironmentGivesTheListCommaSeparated() throws Exception {
        ProxyProtocol proxy = load("{\"proxy_protocol\": {\"trusted\": [\"10.0.0.0/8\"]}}",
                Map.of("ALLAS_LISTEN_PROXY_PROTOCOL_TRUSTED", "127.0.0.1/32, ::1"))
                .proxyProtocol().orElseThrow();
        assertTrue(proxy.trusts(InetAddress.getByName("127.0.0.1")));
        assertTrue(proxy.trusts(InetAddress.getByName("::1")));
        assertFalse(proxy.trusts(InetAddress.getByName("10.0.0.1")));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "{\"trusted\": [\"10.0.0.0/33\"]}|invalid value for option \"listen.proxy_protocol.trusted\": \"10.0.0.0/33\" has a prefix length outside 0 to 32",
        "{\"trusted\": [\"lb.internal\"]}|invalid value for option \"listen.proxy_protocol.trusted\": \"lb.internal\" is not an IP address or CIDR range",
        "{\"trusted\": [\"10.0.0.0/8\", \"\"]}|invalid value for option \"listen.proxy_protocol.trusted\": \"\" is not an IP address or CIDR range",
        "{\"trusted\": []}|invalid value for option \"listen.proxy_protocol.trusted\": the array must not be empty",
        "{\"trusted\": [[\"10.0.0.0/8\"]]}|invalid value for option \"listen.proxy_protocol.trusted[0]\": input must be a text string",
        "{}|missing configuration option \"listen.proxy_protocol.trusted\"",
        "{\"trusted\": [\"10.0.0.0/8\"], \"v2_only\": true}|unrecognized configuration option \"listen.proxy_protocol.v2_only\"",
    })
    void mistakesAreOneLineErrorsNamingTheKey(String section, String message) {
        ConfigException e = assertThrows(ConfigException.class,
                () -> load("{\"proxy_protocol\": " + section + "}", Map.of()));
        assertEquals(message, e.getMessage());
    }
}
