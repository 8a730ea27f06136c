package io.allas.server.protocol.frontend;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import io.allas.server.protocol.MessageType.Frontend;
import io.allas.server.protocol.InvalidTextException;
import io.allas.server.protocol.PacketParser;
import io.allas.server.protocol.ProtocolException;
import io.allas.server.protocol.RawMessage;

/**
 * Decodes typed frontend messages.
 */
public final class FrontendMessageDecoder {

    private FrontendMessageDecoder() {
    }

    /**
     * @param raw the message
     * @return the decoded message
     * @throws ProtocolException when the body does not match the type's layout
     */
    public static FrontendMessage decode(RawMessage raw) throws ProtocolException {
        byte[] body = raw.body();
        return switch (raw.type()) {
            case Frontend.QUERY -> {
                PacketParser p = new PacketParser(body, "Query");
                try {
                    String sql = p.readUtf8CString();
                    p.expectEnd();
                    yield new FrontendMessage.Query(sql);
                } catch (InvalidTextException e) {
                    yield new FrontendMessage.InvalidText(raw.type(), e.getMessage());
                }
            }
            case Frontend.PARSE -> {
                try {
                    yield decodeParse(new PacketParser(body, "Parse"));
                } catch (InvalidTextException e) {
                    yield new FrontendMessage.InvalidText(raw.type(), e.getMessage());
                }
            }
            case Frontend.BIND -> decodeBind(new PacketParser(body, "Bind"));
            case Frontend.DESCRIBE -> {
                PacketParser p = new PacketParser(body, "Describe");
                Target target = Target.decode(p.readByte(), "DESCRIBE");
                String name = p.readCString();
                p.expectEnd();
                yield new FrontendMessage.Describe(target, name);
            }
            case Frontend.EXECUTE -> {
                PacketParser p = new PacketParser(body, "Execute");
                String portal = p.readCString();
                int maxRows = p.readInt32();
                p.expectEnd();
                yield new FrontendMessage.Execute(portal, maxRows);
            }
            case Frontend.CLOSE -> {
                PacketParser p = new PacketParser(body, "Close");
                Target target = Target.decode(p.readByte(), "CLOSE");
                String name = p.readCString();
                p.expectEnd();
                yield new FrontendMessage.Close(target, name);
            }
            case Frontend.SYNC -> new FrontendMessage.Sync();
            case Frontend.FLUSH -> new FrontendMessage.Flush();
            case Frontend.TERMINATE -> new FrontendMessage.Terminate();
            case Frontend.COPY_DATA, Frontend.COPY_DONE, Frontend.COPY_FAIL -> new FrontendMessage.CopyOutsideCopy(raw.type());
            case Frontend.AUTHENTICATION_RESPONSE -> new FrontendMessage.AuthenticationResponse(body);
            default -> new FrontendMessage.Unsupported(raw.type());
        };
    }

    private static FrontendMessage decodeParse(PacketParser p) throws ProtocolException, InvalidTextException {
        String name = p.readCString();
        String sql = p.readUtf8CString();
        int count = p.readInt16() & 0xFFFF;
        List<Integer> types = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            types.add(p.readInt32());
        }
        p.expectEnd();
        return new FrontendMessage.Parse(name, sql, List.copyOf(types));
    }

    private static FrontendMessage decodeBind(PacketParser p) throws ProtocolException {
        String portal = p.readCString();
        String statement = p.readCString();
        List<Short> parameterFormats = readShorts(p);
        int parameterCount = p.readInt16() & 0xFFFF;
        List<byte[]> parameters = new ArrayList<>(parameterCount);
        for (int i = 0; i < parameterCount; i++) {
            int length = p.readInt32();
            parameters.add(length == -1 ? null : p.readBytes(length));
        }
        List<Short> resultFormats = readShorts(p);
        p.expectEnd();
        return new FrontendMessage.Bind(portal, statement, parameterFormats,
                Collections.unmodifiableList(parameters), resultFormats);
    }

    private static List<Short> readShorts(PacketParser p) throws ProtocolException {
        int count = p.readInt16() & 0xFFFF;
        List<Short> values = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            values.add(p.readInt16());
        }
        return List.copyOf(values);
    }
}
