package io.allas.server.protocol.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A run renamed for a namespaced client: each message carries the new channel name, with its
 * process ID and payload unchanged.
 */
@Tag("unit")
class NotificationRunTest {

    private static NotificationRun run(String channel, String... payloads) {
        ByteArrayOutputStream messages = new ByteArrayOutputStream();
        int pid = 100;
        for (String payload : payloads) {
            messages.writeBytes(NotificationRun.of(pid++, channel, payload, 7).messages());
        }
        return new NotificationRun(channel, messages.toByteArray(), payloads.length, 7);
    }

    @Test
    void everyMessageOfARunGetsTheNewName() {
        NotificationRun upstream = run("tenant_one_orders", "first", "", "dritte ü");
        NotificationRun renamed = upstream.withChannel("orders");
        NotificationRun expected = run("orders", "first", "", "dritte ü");
        assertEquals("orders", renamed.channel());
        assertEquals(3, renamed.count());
        assertEquals(7, renamed.receivedNanos());
        assertArrayEquals(expected.messages(), renamed.messages());
    }

    @Test
    void aLongerNameGrowsEachMessage() {
        assertArrayEquals(run("t_x", "a", "b").messages(), run("x", "a", "b").withChannel("t_x").messages());
    }
}
