package io.allas.testing;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Speaks the PostgreSQL protocol byte by byte, for the few cases no real client library will
 * produce (a StartupMessage without a user, an explicit protocol option) and to see exactly
 * which messages come back.
 */
public final class WireClient implements AutoCloseable {

    /**
     * A backend message.
     *
     * @param type its type byte
     * @param body its body
     */
    public record Message(char type, byte[] body) {

        /**
         * @return an ErrorResponse's fields by their code (S, V, C, M ...)
         */
        public Map<Character, String> fields() {
            Map<Character, String> fields = new LinkedHashMap<>();
            int i = 0;
            while (i < body.length && body[i] != 0) {
                char code = (char) body[i++];
                int end = i;
                while (body[end] != 0) {
                    end++;
                }
                fields.put(code, new String(body, i, end - i, StandardCharsets.UTF_8));
                i = end + 1;
            }
            return fields;
        }
    }

    private final Socket socket;
    private final DataInputStream in;
    private final DataOutputStream out;

    public WireClient(int port) throws IOException {
        this(connect(port));
    }

    /**
     * Speaks over a socket already connected, as one over TLS.
     */
    public WireClient(Socket socket) throws IOException {
        this.socket = socket;
        socket.setSoTimeout(10_000);
        socket.setTcpNoDelay(true);
        in = new DataInputStream(new java.io.BufferedInputStream(socket.getInputStream()));
        out = new DataOutputStream(new java.io.BufferedOutputStream(socket.getOutputStream()));
    }

    private static Socket connect(int port) throws IOException {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
        return socket;
    }

    /**
     * Connects and completes a trust startup.
     */
    public static WireClient startup(int port, String user, String database) throws IOException {
        WireClient client = new WireClient(port);
        client.sendStartup(0, Map.of("user", user, "database", database));
        client.readUntil('Z');
        return client;
    }

    /**
     * Sends a simple query and reads its whole response.
     *
     * @return the messages up to and including ReadyForQuery
     */
    public List<Message> roundTrip(String sql) throws IOException {
        query(sql);
        return readResponse();
    }

    /**
     * Reads messages up to and including the next ReadyForQuery.
     */
    public List<Message> readResponse() throws IOException {
        List<Message> messages = new java.util.ArrayList<>();
        Message message;
        do {
            message = read();
            messages.add(message);
        } while (message.type() != 'Z');
        return messages;
    }

    /**
     * @return the message types, as a string such as "TDCZ"
     */
    public static String types(List<Message> messages) {
        StringBuilder types = new StringBuilder();
        messages.forEach(m -> types.append(m.type()));
        return types.toString();
    }

    /**
     * Sends a startup-phase packet: length, then the code and the given body.
     */
    public void sendStartupPacket(int code, byte[] rest) throws IOException {
        out.writeInt(8 + rest.length);
        out.writeInt(code);
        out.write(rest);
        out.flush();
    }

    /**
     * Sends a StartupMessage for protocol 3.minor with the given parameters.
     */
    public void sendStartup(int minor, Map<String, String> parameters) throws IOException {
        var body = new java.io.ByteArrayOutputStream();
        parameters.forEach((k, v) -> {
            body.writeBytes(k.getBytes(StandardCharsets.UTF_8));
            body.write(0);
            body.writeBytes(v.getBytes(StandardCharsets.UTF_8));
            body.write(0);
        });
        body.write(0);
        sendStartupPacket((3 << 16) | minor, body.toByteArray());
    }

    /**
     * Sends a typed message.
     */
    public void send(char type, byte[] body) throws IOException {
        out.writeByte(type);
        out.writeInt(4 + body.length);
        out.write(body);
        out.flush();
    }

    /**
     * Builds a message body.
     *
     * @param fields each a String (written NUL-terminated), a Character (one byte), a Short (int16),
     *               an Integer (int32) or a byte[] (written as it is)
     */
    public static byte[] body(Object... fields) {
        var body = new java.io.ByteArrayOutputStream();
        for (Object field : fields) {
            switch (field) {
                case String text -> {
                    body.writeBytes(text.getBytes(StandardCharsets.UTF_8));
                    body.write(0);
                }
                case Character c -> body.write(c);
                case Short n -> {
                    body.write(n >> 8);
                    body.write(n);
                }
                case Integer n -> body.writeBytes(java.nio.ByteBuffer.allocate(Integer.BYTES).putInt(n).array());
                case byte[] bytes -> body.writeBytes(bytes);
                default -> throw new IllegalArgumentException("no wire form for " + field);
            }
        }
        return body.toByteArray();
    }

    /**
     * Sends a simple Query.
     */
    public void query(String sql) throws IOException {
        byte[] text = sql.getBytes(StandardCharsets.UTF_8);
        byte[] body = new byte[text.length + 1];
        System.arraycopy(text, 0, body, 0, text.length);
        send('Q', body);
    }

    public java.io.OutputStream rawOutput() {
        return out;
    }

    /**
     * @return the single byte answering an SSLRequest or GSSENCRequest
     */
    public char readSingleByte() throws IOException {
        return (char) in.readUnsignedByte();
    }

    public Message read() throws IOException {
        char type = (char) in.readUnsignedByte();
        int length = in.readInt();
        byte[] body = new byte[length - 4];
        in.readFully(body);
        return new Message(type, body);
    }

    /**
     * Reads until the server closes the connection.
     *
     * @return every message received
     * @throws EOFException when the connection ends inside a message
     */
    public List<Message> readToEnd() throws IOException {
        List<Message> messages = new java.util.ArrayList<>();
        int type;
        while ((type = in.read()) != -1) {
            byte[] body;
            try {
                body = new byte[in.readInt() - 4];
                in.readFully(body);
            } catch (EOFException e) {
                throw new EOFException("the connection ended inside a message of type " + (char) type
                        + " after " + messages.size() + " whole messages");
            }
            messages.add(new Message((char) type, body));
        }
        return messages;
    }

    /**
     * Reads messages until one of the given type arrives.
     */
    public Message readUntil(char type) throws IOException {
        while (true) {
            Message message = read();
            if (message.type() == type) {
                return message;
            }
        }
    }

    /**
     * @return whether the server closed the connection (end of stream before the next message)
     */
    public boolean isClosedByServer() throws IOException {
        try {
            return in.read() == -1;
        } catch (EOFException e) {
            return true;
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
