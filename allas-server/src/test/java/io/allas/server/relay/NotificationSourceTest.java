package io.allas.server.relay;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.util.List;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.postgresql.PGNotification;

import io.allas.server.protocol.backend.NotificationRun;

/**
 * Notifications pgjdbc decoded (over TLS) reach the clients as they would on plain TCP:
 * consecutive ones on one channel in one run of NotificationResponse messages.
 */
@Tag("unit")
class NotificationSourceTest {

    private record Decoded(String getName, int getPID, String getParameter) implements PGNotification {
    }

    private static byte[] messages(Decoded... notifications) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Decoded n : notifications) {
            out.writeBytes(NotificationRun.of(n.getPID(), n.getName(), n.getParameter(), 0).messages());
        }
        return out.toByteArray();
    }

    @Test
    void consecutiveNotificationsOnOneChannelAreOneRun() {
        Decoded first = new Decoded("orders", 7, "1");
        Decoded second = new Decoded(new String("orders"), 8, "2");
        Decoded other = new Decoded("jobs", 7, "ü");
        Decoded last = new Decoded("orders", 9, "");
        List<NotificationRun> runs = NotificationSource.encode(new PGNotification[] {first, second, other, last});
        assertEquals(List.of("orders", "jobs", "orders"), runs.stream().map(NotificationRun::channel).toList());
        assertEquals(List.of(2, 1, 1), runs.stream().map(NotificationRun::count).toList());
        assertArrayEquals(messages(first, second), runs.get(0).messages());
        assertArrayEquals(messages(other), runs.get(1).messages());
        assertArrayEquals(messages(last), runs.get(2).messages());
        // The fan-out looks a channel's listeners up once while the String stays the same.
        assertSame(first.getName(), runs.get(0).channel());
    }

    @Test
    void noNotificationsAreNoRuns() {
        assertTrue(NotificationSource.encode(null).isEmpty());
        assertTrue(NotificationSource.encode(new PGNotification[0]).isEmpty());
    }
}
