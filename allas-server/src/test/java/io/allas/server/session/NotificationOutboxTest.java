package io.allas.server.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import io.allas.server.config.NotificationQueue;
import io.allas.server.config.OnOverflow;
import io.allas.server.protocol.backend.CommandComplete;
import io.allas.server.protocol.backend.NotificationRun;
import io.allas.server.protocol.backend.ReadyForQuery;
import io.allas.testing.MemoryClientStream;
import io.allas.testing.WireClient;

/**
 * One client's notifications on their way out: when they may go, what is filtered, and how a
 * client that cannot keep up or is terminated is ended.
 */
@Tag("unit")
class NotificationOutboxTest {

    private static final Duration AWAIT = Duration.ofSeconds(10);

    private final MemoryClientStream stream = new MemoryClientStream();
    private final ClientConnection connection = new ClientConnection(stream, Optional.empty());
    private final ClientStateMachine states = new ClientStateMachine();
    private final Map<String, Integer> dropped = new ConcurrentHashMap<>();
    private final SessionEvents events = new SessionEvents() {
        @Override
        public void notificationsDropped(String reason, int count) {
            dropped.merge(reason, count, Integer::sum);
        }
    };

    private NotificationOutbox outbox(int maxNotifications) {
        return outbox(maxNotifications, Duration.ofSeconds(30), OnOverflow.TERMINATE);
    }

    private NotificationOutbox outbox(int maxNotifications, Duration stallTimeout) {
        return outbox(maxNotifications, stallTimeout, OnOverflow.TERMINATE);
    }

    private NotificationOutbox outbox(int maxNotifications, OnOverflow onOverflow) {
        return outbox(maxNotifications, Duration.ofSeconds(30), onOverflow);
    }

    private NotificationOutbox outbox(int maxNotifications, Duration stallTimeout, OnOverflow onOverflow) {
        NotificationOutbox outbox = new NotificationOutbox(connection, states,
                new NotificationQueue(maxNotifications, 1 << 20, stallTimeout, onOverflow), events, () -> { });
        states.deliverTo(outbox);
        return outbox;
    }

    private static List<NotificationRun> notification(String channel, String payload) {
        return List.of(NotificationRun.of(42, channel, payload, System.nanoTime()));
    }

    private static String describe(WireClient.Message message) {
        if (message.type() != 'A') {
            return String.valueOf(message.type());
        }
        // Int32 PID, then channel and payload, each NUL-terminated.
        String[] strings = new String(message.body(), 4, message.body().length - 5).split("\0");
        return "A " + strings[0] + " " + strings[1];
    }

    private List<String> written(int count) throws InterruptedException {
        return stream.awaitMessages(count, AWAIT).stream().map(NotificationOutboxTest::describe).toList();
    }

    /** The session answers a message: its response, then ReadyForQuery, and the client is idle again. */
    private void respond(String commandTag) throws IOException {
        states.transition(ClientState.BUSY);
        finishResponse(commandTag);
    }

    private void finishResponse(String commandTag) throws IOException {
        connection.writer().send(new CommandComplete(commandTag));
        connection.writer().send(new ReadyForQuery(ReadyForQuery.TransactionStatus.IDLE));
        connection.writer().flush();
        states.transition(ClientState.IDLE);
    }

    @Test
    void notificationsWaitForTheEndOfTheResponseAndGoOutWhenTheClientIsIdle() throws Exception {
        NotificationOutbox outbox = outbox(100);
        outbox.deliver(notification("jobs", "before login"));
        states.transition(ClientState.IDLE);
        assertEquals(List.of("A jobs before login"), written(1));
        states.transition(ClientState.BUSY);
        outbox.deliver(notification("jobs", "during the response"));
        finishResponse("LISTEN");
        assertEquals(List.of("A jobs before login", "C", "Z", "A jobs during the response"), written(4));
    }

    @Test
    void insideATransactionBlockNotificationsWaitForItsEnd() throws Exception {
        NotificationOutbox outbox = outbox(100);
        states.transition(ClientState.IDLE);
        states.transition(ClientState.BUSY);
        states.transition(ClientState.IDLE_IN_TRANSACTION);
        outbox.deliver(notification("jobs", "held"));
        respond("COMMIT");
        assertEquals(List.of("C", "Z", "A jobs held"), written(3));
    }

    /** An idle client stops reading in the middle of its first notification. */
    private void deliverIntoAStuckWrite(NotificationOutbox outbox) throws InterruptedException {
        states.transition(ClientState.IDLE);
        stream.holdWrites();
        outbox.deliver(notification("jobs", "1"));
        stream.awaitBlockedWrite(AWAIT);
    }

    @Test
    void aWriteUnderWayFinishesBeforeTheSessionAnswers() throws Exception {
        deliverIntoAStuckWrite(outbox(100));
        Thread session = Thread.ofVirtual().start(() -> {
            try {
                respond("LISTEN");
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        });
        long deadline = System.nanoTime() + AWAIT.toNanos();
        while (session.getState() != Thread.State.WAITING) {
            assertTrue(System.nanoTime() < deadline, "the session never waited for the write under way");
            LockSupport.parkNanos(1_000_000);
        }
        assertEquals(List.of(), stream.messagesNow(), "nothing of the response before the notification");
        stream.releaseWrites();
        session.join(AWAIT);
        assertEquals(List.of("A jobs 1", "C", "Z"), written(3));
    }

    @Test
    void notificationsOnAChannelTheClientLeftAreNotWritten() throws Exception {
        NotificationOutbox outbox = outbox(100);
        outbox.filterBy(channel -> channel.equals("kept"));
        outbox.deliver(List.of(notification("left", "1").getFirst(), notification("kept", "2").getFirst()));
        states.transition(ClientState.IDLE);
        assertEquals(List.of("A kept 2"), written(1));
    }

    @Test
    void aClientThatStopsReadingIsCutOffWhenItsQueueOverflows() throws Exception {
        // Its write under way never ends: the socket is closed once stall_timeout_ms has passed.
        NotificationOutbox outbox = outbox(3, Duration.ofMillis(200));
        deliverIntoAStuckWrite(outbox);
        for (int i = 2; i <= 4; i++) {
            outbox.deliver(notification("jobs", String.valueOf(i)));
        }
        stream.awaitClosed(AWAIT);
        assertEquals(4, dropped.get("slow_client"), dropped.toString());
        assertEquals(0.0, outbox.fillRatio());
    }

    @Test
    void aTerminatedClientIsToldWhyAndWhatWasQueuedForItIsCounted() throws Exception {
        NotificationOutbox outbox = outbox(100);
        states.transition(ClientState.IDLE);
        states.transition(ClientState.BUSY);
        outbox.deliver(notification("jobs", "1"));
        outbox.deliver(notification("jobs", "2"));
        outbox.terminate(Termination.SERVER_CONNECTION_LOST);
        stream.awaitClosed(AWAIT);
        List<WireClient.Message> messages = stream.messagesNow();
        assertEquals(1, messages.size(), messages.stream().map(NotificationOutboxTest::describe).toList().toString());
        assertEquals('E', messages.getFirst().type());
        assertEquals("57A02", messages.getFirst().fields().get('C'));
        assertEquals(2, dropped.get("client_terminated"));
        assertTrue(stream.isClosed());
    }

    @Test
    void inGapModeAnOverflowDropsWhatWaitsAndTellsTheClientWhichKeepsItsConnection() throws Exception {
        NotificationOutbox outbox = outbox(3, OnOverflow.GAP);
        outbox.reportGapsWith(new GapReport("allas_gap", channel -> false));
        deliverIntoAStuckWrite(outbox);
        for (int i = 2; i <= 4; i++) {
            outbox.deliver(notification("jobs", String.valueOf(i)));
        }
        outbox.deliver(notification("news", "after the gap"));
        stream.releaseWrites();
        List<WireClient.Message> messages = stream.awaitMessages(3, AWAIT);
        assertEquals(List.of("A jobs 1", "N", "A news after the gap"),
                messages.stream().map(NotificationOutboxTest::describe).toList());
        Map<Character, String> notice = messages.get(1).fields();
        assertEquals("01A01", notice.get('C'));
        assertTrue(notice.get('D').contains("3 notifications") && notice.get('D').contains("jobs"), notice.toString());
        assertEquals(3, dropped.get("slow_client"), dropped.toString());
        assertFalse(stream.isClosed(), "the client keeps its connection");
    }
}
