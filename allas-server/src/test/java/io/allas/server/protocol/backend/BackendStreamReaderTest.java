package io.allas.server.protocol.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Pipe;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import io.allas.server.protocol.PacketBuilder;

/**
 * What the relay makes of the bytes a server sends between statements: notifications kept as the
 * server's own bytes, in runs per channel; a cut message completed; an error ends the connection.
 * And of the answer to a statement the relay sent itself: read to its ReadyForQuery, with the
 * notifications that come meanwhile kept in order; a refusal returned, a FATAL error thrown.
 */
@Tag("unit")
class BackendStreamReaderTest {

    private Pipe pipe;
    private final BackendStreamReader reader = new BackendStreamReader();
    private final List<NotificationRun> read = new ArrayList<>();

    @BeforeEach
    void openPipe() throws IOException {
        pipe = Pipe.open();
        pipe.source().configureBlocking(false);
    }

    @AfterEach
    void closePipe() throws IOException {
        pipe.sink().close();
        pipe.source().close();
    }

    private static byte[] encode(BackendMessage... messages) {
        PacketBuilder out = new PacketBuilder(64);
        for (BackendMessage message : messages) {
            message.encode(out);
        }
        ByteBuffer view = out.view();
        byte[] bytes = new byte[view.remaining()];
        view.get(bytes);
        return bytes;
    }

    private void serverSends(byte[] bytes) throws IOException {
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        while (buffer.hasRemaining()) {
            pipe.sink().write(buffer);
        }
    }

    private void readAll() throws IOException {
        reader.read(pipe.source(), () -> {
            throw new AssertionError("no message was cut");
        }, read);
    }

    @Test
    void consecutiveNotificationsOnOneChannelAreOneRunOfTheServersOwnBytes() throws IOException {
        byte[] bytes = encode(new NotificationResponse(7, "orders", "1"), new NotificationResponse(7, "orders", "2"),
                new NotificationResponse(8, "orders", "3"));
        serverSends(bytes);
        readAll();
        assertEquals(1, read.size());
        assertEquals("orders", read.getFirst().channel());
        assertEquals(3, read.getFirst().count());
        assertArrayEquals(bytes, read.getFirst().messages());
    }

    @Test
    void anotherChannelOrAnotherMessageTypeStartsANewRun() throws IOException {
        serverSends(encode(new NotificationResponse(7, "a", "1"), new NotificationResponse(7, "b", "2"),
                new ParameterStatus("TimeZone", "UTC"), new NotificationResponse(7, "b", "3"),
                new NotificationResponse(7, "a", "4")));
        readAll();
        assertEquals(List.of("a", "b", "b", "a"), read.stream().map(NotificationRun::channel).toList());
        assertEquals(List.of(1, 1, 1, 1), read.stream().map(NotificationRun::count).toList());
    }

    @Test
    void aRunOnTheChannelOfThePreviousReadSharesItsString() throws IOException {
        serverSends(encode(new NotificationResponse(7, "shared", "1")));
        readAll();
        serverSends(encode(new NotificationResponse(7, "shared", "2")));
        readAll();
        assertSame(read.get(0).channel(), read.get(1).channel());
    }

    @Test
    void aMessageCutShortIsCompletedBeforeTheReadReturns() throws IOException {
        byte[] bytes = encode(new NotificationResponse(7, "pieces", "payload"));
        int cut = 7;
        serverSends(Arrays.copyOfRange(bytes, 0, cut));
        int[] waits = {0};
        reader.read(pipe.source(), () -> {
            waits[0]++;
            serverSends(Arrays.copyOfRange(bytes, cut, bytes.length));
        }, read);
        assertEquals(1, waits[0]);
        assertEquals(1, read.size());
        assertArrayEquals(bytes, read.getFirst().messages());
    }

    @Test
    void anErrorFromTheServerEndsTheConnectionInTheServersWords() throws IOException {
        serverSends(encode(new NotificationResponse(7, "last", "1"),
                ErrorResponse.fatal("57P01", "terminating connection due to administrator command")));
        IOException e = assertThrows(IOException.class, this::readAll);
        assertEquals("FATAL: terminating connection due to administrator command (57P01)", e.getMessage());
        // What came before the error was read: the relay still delivers it.
        assertEquals(List.of("last"), read.stream().map(NotificationRun::channel).toList());
    }

    @Test
    void aLengthNoServerWouldSendIsRefused() throws IOException {
        serverSends(new byte[] {'A', 0x7F, 0, 0, 0});
        IOException e = assertThrows(IOException.class, this::readAll);
        assertEquals("the upstream server sent a malformed message (type 'A', length 2130706432)", e.getMessage());
    }

    @Test
    void aMessageThatDoesNotBelongBetweenStatementsIsRefused() throws IOException {
        serverSends(encode(new CommandComplete("SELECT 1")));
        IOException e = assertThrows(IOException.class, this::readAll);
        assertEquals("the upstream server sent an unexpected message between statements (type 'C')", e.getMessage());
    }

    @Test
    void theServerClosingTheConnectionIsAnError() throws IOException {
        pipe.sink().close();
        IOException e = assertThrows(IOException.class, this::readAll);
        assertEquals("the upstream server closed the connection", e.getMessage());
    }

    private static final ReadyForQuery IDLE = new ReadyForQuery(ReadyForQuery.TransactionStatus.IDLE);

    private Optional<ErrorResponse> readAnswer() throws IOException {
        return reader.readStatementAnswer(pipe.source(), () -> {
            throw new AssertionError("the whole answer was sent");
        }, read);
    }

    @Test
    void aStatementsAnswerIsReadToItsReadyForQueryWithTheNotificationsAroundIt() throws IOException {
        serverSends(encode(new NotificationResponse(7, "before", "1"), new CommandComplete("LISTEN"),
                new NotificationResponse(7, "during", "2"), IDLE, new NotificationResponse(7, "after", "3")));
        assertTrue(readAnswer().isEmpty());
        assertEquals(List.of("before", "during", "after"), read.stream().map(NotificationRun::channel).toList());
    }

    @Test
    void aPingsRowIsPassedOver() throws IOException {
        serverSends(encode(new RowDescription(List.of(new RowDescription.Field("?column?", 23, 4, 0))),
                new DataRow(List.of("1".getBytes())), new CommandComplete("SELECT 1"), IDLE));
        assertTrue(readAnswer().isEmpty());
        assertTrue(read.isEmpty());
    }

    @Test
    void aRefusedStatementReturnsTheServersErrorAndTheConnectionGoesOn() throws IOException {
        serverSends(encode(ErrorResponse.error("25006", "cannot execute LISTEN during recovery"), IDLE,
                new NotificationResponse(7, "later", "1")));
        ErrorResponse refused = readAnswer().orElseThrow();
        assertEquals("25006", refused.sqlState());
        assertEquals("cannot execute LISTEN during recovery", refused.message());
        serverSends(encode(new NotificationResponse(7, "later", "2")));
        readAll();
        assertEquals(List.of(1, 1), read.stream().map(NotificationRun::count).toList());
    }

    @Test
    void anAnswerInPiecesIsAwaitedUntilItsReadyForQuery() throws IOException {
        byte[] answer = encode(new CommandComplete("LISTEN"), IDLE);
        int cut = answer.length - 3;
        serverSends(Arrays.copyOfRange(answer, 0, cut));
        int[] waits = {0};
        Optional<ErrorResponse> refused = reader.readStatementAnswer(pipe.source(), () -> {
            waits[0]++;
            serverSends(Arrays.copyOfRange(answer, cut, answer.length));
        }, read);
        assertTrue(refused.isEmpty());
        assertEquals(1, waits[0]);
    }

    @Test
    void aFatalErrorDuringAStatementEndsTheConnection() throws IOException {
        serverSends(encode(ErrorResponse.fatal("57P01", "terminating connection due to administrator command")));
        IOException e = assertThrows(IOException.class, this::readAnswer);
        assertEquals("FATAL: terminating connection due to administrator command (57P01)", e.getMessage());
    }

    @Test
    void aMessageNoStatementOfTheRelaysIsAnsweredWithIsRefused() throws IOException {
        serverSends(new byte[] {'G', 0, 0, 0, 7, 0, 0, 0});
        IOException e = assertThrows(IOException.class, this::readAnswer);
        assertEquals("the upstream server answered a statement with an unexpected message (type 'G')", e.getMessage());
    }
}
