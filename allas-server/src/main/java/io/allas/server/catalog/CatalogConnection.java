package io.allas.server.catalog;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

import io.allas.server.protocol.MessageType;
import io.allas.server.protocol.PacketBuilder;
import io.allas.server.protocol.PacketParser;
import io.allas.server.protocol.ProtocolException;
import io.allas.server.protocol.backend.ErrorResponse;
import io.allas.server.relay.CapturedConnection;
import io.allas.server.relay.UpstreamTarget;
import io.allas.server.sql.Statement;

/**
 * allas's connection for catalog queries, separate from the one that LISTENs. pgjdbc connects and
 * authenticates (TLS included); then allas speaks the extended query protocol on the socket
 * itself, so that PostgreSQL's RowDescription and DataRow messages are kept as PostgreSQL sent
 * them, in the formats the client asked for. The session is fixed at startup: every transaction
 * read-only, a statement timeout, search_path {@code pg_catalog} (an unqualified name cannot reach
 * a user's table, function or operator) and standard_conforming_strings on (string literals read
 * as allas's check reads them). Used by one thread at a time.
 */
final class CatalogConnection implements AutoCloseable {

    /** An ErrorResponse from the server: the statement failed, the connection is fine. */
    static final class ServerError extends Exception {
        private final String sqlState;

        ServerError(ErrorResponse error) {
            super(error.message(), null, false, false);
            this.sqlState = error.sqlState() == null ? "XX000" : error.sqlState();
        }

        String sqlState() {
            return sqlState;
        }
    }

    private final Connection driver;
    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    private final int maxResultBytes;

    private CatalogConnection(Connection driver, Socket socket, int maxResultBytes) throws IOException {
        this.driver = driver;
        this.socket = socket;
        this.in = new DataInputStream(new BufferedInputStream(socket.getInputStream(), 8192));
        this.out = socket.getOutputStream();
        this.maxResultBytes = maxResultBytes;
    }

    /**
     * Connects to the upstream server with the relay's own settings, and the catalog session's.
     */
    static CatalogConnection open(UpstreamTarget target, Duration statementTimeout, int maxResultBytes)
            throws SQLException, IOException {
        Properties properties = new Properties();
        properties.putAll(target.properties());
        long seconds = Math.max(1, (statementTimeout.toMillis() + 999) / 1000);
        properties.setProperty("loginTimeout", String.valueOf(seconds + 5));
        properties.setProperty("options", sessionOptions(target.properties().getProperty("options"), statementTimeout));
        properties.setProperty("ApplicationName",
                target.properties().getProperty("ApplicationName", "allas") + " catalog");
        CapturedConnection captured = CapturedConnection.open(target, properties);
        try {
            Socket socket = captured.socket();
            // The server answers within its statement timeout, or the connection is dead.
            socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, statementTimeout.toMillis() + 5000));
            return new CatalogConnection(captured.driver(), socket, maxResultBytes);
        } catch (IOException | RuntimeException e) {
            captured.driver().close();
            throw e;
        }
    }

    /** The operator's {@code options}, then the catalog session's settings, which win. */
    private static String sessionOptions(String configured, Duration statementTimeout) {
        String fixed = "-c search_path=pg_catalog -c default_transaction_read_only=on -c standard_conforming_strings=on"
                + " -c statement_timeout=" + statementTimeout.toMillis();
        return configured == null || configured.isBlank() ? fixed : configured + " " + fixed;
    }

    /**
     * Parses the query and describes it: its parameters' types as PostgreSQL infers them, and its
     * columns.
     */
    Description describe(String sql, List<Integer> parameterTypes) throws IOException, ServerError {
        PacketBuilder request = new PacketBuilder(256);
        parse(request, sql, parameterTypes);
        request.beginMessage(MessageType.Frontend.DESCRIBE).writeByte('S').writeCString("").endMessage();
        sync(request);
        List<Integer> types = List.of();
        byte[] rowDescription = null;
        ServerError error = null;
        while (true) {
            Message message = read();
            switch (message.type()) {
                case MessageType.Backend.PARAMETER_DESCRIPTION -> types = parameterTypes(message);
                case MessageType.Backend.ROW_DESCRIPTION -> rowDescription = message.whole();
                case MessageType.Backend.ERROR_RESPONSE -> error = new ServerError(ErrorResponse.decode(message.body()));
                case MessageType.Backend.READY_FOR_QUERY -> {
                    if (error != null) {
                        throw error;
                    }
                    return new Description(types, rowDescription);
                }
                default -> { }
            }
        }
    }

    /**
     * Runs the query with the client's parameters, in the result formats the client asked for.
     *
     * @param parameterFormats the parameters' formats, as the client's Bind gave them
     * @param parameters       the parameters' values, null for NULL
     */
    Execution execute(Statement.CatalogQuery query, List<Short> parameterFormats, List<byte[]> parameters,
                      List<Short> resultFormats) throws IOException, ServerError {
        PacketBuilder request = new PacketBuilder(256);
        parse(request, query.sql(), query.parameterTypes());
        request.beginMessage(MessageType.Frontend.BIND).writeCString("").writeCString("")
                .writeInt16(parameterFormats.size());
        parameterFormats.forEach(request::writeInt16);
        request.writeInt16(parameters.size());
        for (byte[] value : parameters) {
            if (value == null) {
                request.writeInt32(-1);
            } else {
                request.writeInt32(value.length).writeBytes(value);
            }
        }
        request.writeInt16(resultFormats.size());
        resultFormats.forEach(request::writeInt16);
        request.endMessage();
        request.beginMessage(MessageType.Frontend.DESCRIBE).writeByte('P').writeCString("").endMessage();
        request.beginMessage(MessageType.Frontend.EXECUTE).writeCString("").writeInt32(0).endMessage();
        sync(request);
        byte[] rowDescription = null;
        PacketBuilder rows = new PacketBuilder(1024);
        String tag = null;
        ServerError error = null;
        while (true) {
            Message message = read();
            switch (message.type()) {
                case MessageType.Backend.ROW_DESCRIPTION -> rowDescription = message.whole();
                case MessageType.Backend.DATA_ROW -> {
                    if (error == null) {
                        if (rows.size() + message.body().length > maxResultBytes) {
                            error = new ServerError(ErrorResponse.error("54000", "the catalog query's result is larger than "
                                    + maxResultBytes + " bytes, the most allas holds for one"));
                        } else {
                            rows.writeBytes(message.whole());
                        }
                    }
                }
                case MessageType.Backend.COMMAND_COMPLETE -> tag = new PacketParser(message.body(), "CommandComplete").readCString();
                case MessageType.Backend.ERROR_RESPONSE -> {
                    if (error == null) {
                        error = new ServerError(ErrorResponse.decode(message.body()));
                    }
                }
                case MessageType.Backend.READY_FOR_QUERY -> {
                    if (error != null) {
                        throw error;
                    }
                    byte[] data = new byte[rows.size()];
                    rows.view().get(data);
                    return new Execution(rowDescription, data, tag == null ? "SELECT 0" : tag);
                }
                default -> { }
            }
        }
    }

    private static void parse(PacketBuilder request, String sql, List<Integer> parameterTypes) {
        request.beginMessage(MessageType.Frontend.PARSE).writeCString("").writeCString(sql)
                .writeInt16(parameterTypes.size());
        parameterTypes.forEach(request::writeInt32);
        request.endMessage();
    }

    private void sync(PacketBuilder request) throws IOException {
        request.beginMessage(MessageType.Frontend.SYNC).endMessage();
        byte[] bytes = new byte[request.size()];
        request.view().get(bytes);
        out.write(bytes);
        out.flush();
    }

    private static List<Integer> parameterTypes(Message message) throws ProtocolException {
        PacketParser fields = new PacketParser(message.body(), "ParameterDescription");
        int count = fields.readInt16() & 0xFFFF;
        List<Integer> types = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            types.add(fields.readInt32());
        }
        return List.copyOf(types);
    }

    /** One server message: its type and body. */
    private record Message(byte type, byte[] body) {
        /** @return the message as the server sent it, type and length included */
        byte[] whole() {
            byte[] bytes = new byte[5 + body.length];
            bytes[0] = type;
            int length = body.length + 4;
            bytes[1] = (byte) (length >>> 24);
            bytes[2] = (byte) (length >>> 16);
            bytes[3] = (byte) (length >>> 8);
            bytes[4] = (byte) length;
            System.arraycopy(body, 0, bytes, 5, body.length);
            return bytes;
        }
    }

    private Message read() throws IOException {
        byte type = in.readByte();
        int length = in.readInt();
        if (length < 4 || length - 4 > maxResultBytes + 1024) {
            throw new ProtocolException("the server sent a message of " + length + " bytes on the catalog connection");
        }
        byte[] body = new byte[length - 4];
        in.readFully(body);
        return new Message(type, body);
    }

    @Override
    public void close() {
        try {
            // pgjdbc says goodbye (Terminate) on the same socket: allas always stops at a message boundary.
            driver.close();
        } catch (SQLException e) {
            // A broken connection: nothing left to release.
        }
        try {
            socket.close();
        } catch (IOException e) {
            // As above.
        }
    }
}
