package io.allas.server.protocol;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Reads a PROXY protocol header, version 1 or 2, from the start of a connection. Anything that
 * is not a well-formed header is refused with a {@link ProtocolException} (08P01) naming what was
 * wrong; nothing is read past the header, so the startup packet (or the TLS handshake) that
 * follows is left for the startup phase.
 */
public final class ProxyHeaderReader {

    /** v2's signature, chosen by the protocol so that no other protocol starts with it. */
    private static final byte[] V2_SIGNATURE = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};
    private static final byte[] V1_PREFIX = "PROXY ".getBytes(StandardCharsets.US_ASCII);
    /** The longest v1 line, CRLF included, as the protocol bounds it. */
    private static final int V1_MAX_BYTES = 107;
    private static final int V2_COMMAND_LOCAL = 0x0;
    private static final int V2_COMMAND_PROXY = 0x1;
    private static final int V2_AF_UNSPEC = 0x0;
    private static final int V2_AF_INET = 0x1;
    private static final int V2_AF_INET6 = 0x2;
    private static final int V2_AF_UNIX = 0x3;
    private static final int V2_TRANSPORT_STREAM = 0x1;

    private ProxyHeaderReader() {
    }

    /**
     * Whether the connection's next byte can only begin a PROXY header: {@code P} or v2's CR.
     * No startup packet begins so (its length would be hundreds of megabytes), nor a TLS record.
     *
     * @param reader the connection, before anything else is read
     */
    public static boolean startsWithHeader(MessageReader reader) throws IOException {
        byte first = reader.peekByte();
        return first == V1_PREFIX[0] || first == V2_SIGNATURE[0];
    }

    /**
     * @param reader the connection, before anything else is read
     * @return the header
     * @throws ProtocolException when the bytes are not a valid header
     * @throws IOException       when the connection fails or closes
     */
    public static ProxyHeader read(MessageReader reader) throws IOException {
        byte first = reader.peekByte();
        if (first == V1_PREFIX[0]) {
            return readV1(reader);
        }
        if (first == V2_SIGNATURE[0]) {
            return readV2(reader);
        }
        throw invalid("expected a PROXY protocol header");
    }

    private static ProxyHeader readV1(MessageReader reader) throws IOException {
        byte[] line = new byte[V1_MAX_BYTES];
        int length = 0;
        while (length < 2 || line[length - 2] != '\r' || line[length - 1] != '\n') {
            if (length == V1_MAX_BYTES) {
                throw invalid("version 1 header longer than " + V1_MAX_BYTES + " bytes");
            }
            line[length] = reader.readByte();
            if (length < V1_PREFIX.length && line[length] != V1_PREFIX[length]) {
                throw invalid("version 1 header does not start with \"PROXY \"");
            }
            if (line[length] == '\n' && (length == 0 || line[length - 1] != '\r')) {
                throw invalid("version 1 header must end with CRLF");
            }
            length++;
        }
        String text = new String(line, 0, length - 2, StandardCharsets.US_ASCII);
        String[] fields = text.split(" ", -1);
        if (fields.length >= 2 && fields[1].equals("UNKNOWN")) {
            // The sender may put anything after UNKNOWN; the receiver ignores it.
            return new ProxyHeader.Unknown();
        }
        if (fields.length != 6) {
            throw invalid("version 1 header must be \"PROXY TCP4|TCP6 source destination source-port destination-port\"");
        }
        boolean ipv6 = switch (fields[1]) {
            case "TCP4" -> false;
            case "TCP6" -> true;
            default -> throw invalid("unknown version 1 protocol " + quoted(fields[1]));
        };
        InetAddress source = ipv6 ? ipv6(fields[2]) : ipv4(fields[2]);
        InetAddress destination = ipv6 ? ipv6(fields[3]) : ipv4(fields[3]);
        return new ProxyHeader.Forwarded(new InetSocketAddress(source, port(fields[4])),
                new InetSocketAddress(destination, port(fields[5])));
    }

    private static ProxyHeader readV2(MessageReader reader) throws IOException {
        byte[] fixed = reader.readExactly(V2_SIGNATURE.length + 4);
        if (!Arrays.equals(fixed, 0, V2_SIGNATURE.length, V2_SIGNATURE, 0, V2_SIGNATURE.length)) {
            throw invalid("bad version 2 signature");
        }
        int versionAndCommand = fixed[12] & 0xFF;
        int family = (fixed[13] & 0xFF) >>> 4;
        int transport = fixed[13] & 0x0F;
        int length = ((fixed[14] & 0xFF) << 8) | (fixed[15] & 0xFF);
        if (versionAndCommand >>> 4 != 2) {
            throw invalid("unsupported version " + (versionAndCommand >>> 4));
        }
        int command = versionAndCommand & 0x0F;
        if (command != V2_COMMAND_LOCAL && command != V2_COMMAND_PROXY) {
            throw invalid("unknown version 2 command " + command);
        }
        // The address block and any TLVs after it: read whole, so the startup packet comes next.
        byte[] block = reader.readExactly(length);
        if (command == V2_COMMAND_LOCAL || family == V2_AF_UNSPEC) {
            return new ProxyHeader.Unknown();
        }
        if (transport != V2_TRANSPORT_STREAM) {
            throw invalid("version 2 transport " + transport + " is not a stream");
        }
        return switch (family) {
            case V2_AF_INET -> forwarded(block, 4);
            case V2_AF_INET6 -> forwarded(block, 16);
            case V2_AF_UNIX -> new ProxyHeader.Unknown();
            default -> throw invalid("unknown version 2 address family " + family);
        };
    }

    private static ProxyHeader forwarded(byte[] block, int addressBytes) throws ProtocolException {
        if (block.length < 2 * addressBytes + 4) {
            throw invalid("version 2 address block of " + block.length + " bytes is too short for its family");
        }
        try {
            InetAddress source = InetAddress.getByAddress(Arrays.copyOfRange(block, 0, addressBytes));
            InetAddress destination = InetAddress.getByAddress(Arrays.copyOfRange(block, addressBytes, 2 * addressBytes));
            int ports = 2 * addressBytes;
            int sourcePort = ((block[ports] & 0xFF) << 8) | (block[ports + 1] & 0xFF);
            int destinationPort = ((block[ports + 2] & 0xFF) << 8) | (block[ports + 3] & 0xFF);
            return new ProxyHeader.Forwarded(new InetSocketAddress(source, sourcePort),
                    new InetSocketAddress(destination, destinationPort));
        } catch (UnknownHostException e) {
            throw new IllegalStateException("an address of 4 or 16 bytes is always valid", e);
        }
    }

    /** A dotted quad, strictly: InetAddress would look a malformed one up in DNS. */
    private static InetAddress ipv4(String text) throws ProtocolException {
        String[] parts = text.split("\\.", -1);
        if (parts.length != 4) {
            throw invalid(quoted(text) + " is not an IPv4 address");
        }
        byte[] bytes = new byte[4];
        for (int i = 0; i < 4; i++) {
            if (!parts[i].matches("[0-9]{1,3}") || Integer.parseInt(parts[i]) > 255) {
                throw invalid(quoted(text) + " is not an IPv4 address");
            }
            bytes[i] = (byte) Integer.parseInt(parts[i]);
        }
        try {
            return InetAddress.getByAddress(bytes);
        } catch (UnknownHostException e) {
            throw new IllegalStateException("four bytes are always an address", e);
        }
    }

    /**
     * An IPv6 literal. With a colon in it and nothing but hex digits, colons and dots, InetAddress
     * parses it as a literal and never asks DNS.
     */
    private static InetAddress ipv6(String text) throws ProtocolException {
        if (!text.contains(":") || !text.matches("[0-9A-Fa-f:.]{2,45}")) {
            throw invalid(quoted(text) + " is not an IPv6 address");
        }
        try {
            return InetAddress.getByName(text);
        } catch (UnknownHostException e) {
            throw invalid(quoted(text) + " is not an IPv6 address");
        }
    }

    private static int port(String text) throws ProtocolException {
        // Decimal, no leading zeros, as the protocol writes them.
        if (!text.matches("0|[1-9][0-9]{0,4}") || Integer.parseInt(text) > 65535) {
            throw invalid(quoted(text) + " is not a port number");
        }
        return Integer.parseInt(text);
    }

    private static ProtocolException invalid(String reason) {
        return new ProtocolException("invalid PROXY protocol header: " + reason);
    }

    /** Header text as an error message may quote it: printable ASCII only, and short. */
    private static String quoted(String text) {
        String printable = text.replaceAll("[^\\x20-\\x7E]", "?");
        return "\"" + (printable.length() > 40 ? printable.substring(0, 40) + "..." : printable) + "\"";
    }
}
