package io.allas.server.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.allas.testing.TestPostgres;
import io.allas.testing.TestRelay;
import io.allas.testing.WireClient;

/**
 * A thousand clients, each on a channel of its own, all get their notifications; and the
 * upstream listens on exactly their union.
 */
class ManyListenersTest {

    private static final int CLIENTS = 1000;

    @Test
    void aThousandClientsEachOnItsOwnChannel() throws Exception {
        List<WireClient> clients = new ArrayList<>();
        try (TestRelay relay = TestRelay.builder().trust("app").tapUpstream().start();
             Connection producer = TestPostgres.shared().connect()) {
            for (int i = 0; i < CLIENTS; i++) {
                WireClient client = WireClient.startup(relay.port(), "app", "app");
                clients.add(client);
                assertEquals("CZ", WireClient.types(client.roundTrip("LISTEN own_" + i)));
            }
            assertEquals(CLIENTS, relay.upstreamChannels().size());
            producer.createStatement().execute(
                    "SELECT pg_notify('own_' || i, 'for ' || i) FROM generate_series(0, " + (CLIENTS - 1) + ") i");
            for (int i = 0; i < CLIENTS; i++) {
                WireClient.Message message = clients.get(i).read();
                assertEquals('A', message.type());
                String body = new String(message.body(), 4, message.body().length - 4, java.nio.charset.StandardCharsets.UTF_8);
                assertEquals("own_" + i + "\0for " + i + "\0", body);
            }
            for (WireClient client : clients) {
                client.close();
            }
            relay.awaitUpstreamChannels(Set::isEmpty, "channels left upstream after every client left");
        } finally {
            for (WireClient client : clients) {
                client.close();
            }
        }
    }
}
