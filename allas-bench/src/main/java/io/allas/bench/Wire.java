package io.allas.bench;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** The few frontend messages a listener sends, and the ErrorResponse fields it reads. */
final class Wire {

    private Wire() {
    }

    static ByteBuffer startup(String user, String database, String applicationName) {
        byte[] body = ("user\0" + user + "\0database\0" + database + "\0application_name\0" + applicationName
                + "\0client_encoding\0UTF8\0\0").getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + body.length);
        b.putInt(8 + body.length).putInt(196608).put(body).flip();
        return b;
    }

    static ByteBuffer password(String password) {
        return message('p', password);
    }

    static ByteBuffer md5Password(String user, String password, byte[] salt) {
        String inner = md5Hex(concat((password + user).getBytes(StandardCharsets.UTF_8)));
        String outer = md5Hex(concat(inner.getBytes(StandardCharsets.UTF_8), salt));
        return password("md5" + outer);
    }

    static ByteBuffer query(String sql) {
        return message('Q', sql);
    }

    static ByteBuffer terminate() {
        ByteBuffer b = ByteBuffer.allocate(5);
        b.put((byte) 'X').putInt(4).flip();
        return b;
    }

    private static ByteBuffer message(char type, String text) {
        byte[] s = text.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(1 + 4 + s.length + 1);
        b.put((byte) type).putInt(4 + s.length + 1).put(s).put((byte) 0).flip();
        return b;
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    private static String md5Hex(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** "SEVERITY SQLSTATE message" from an ErrorResponse or NoticeResponse body. */
    static String describeError(byte[] a, int from, int to) {
        String severity = "";
        String code = "";
        String message = "";
        int p = from;
        while (p < to && a[p] != 0) {
            byte field = a[p++];
            int start = p;
            while (p < to && a[p] != 0) {
                p++;
            }
            String value = new String(a, start, p - start, StandardCharsets.UTF_8);
            p++;
            switch (field) {
                case 'S' -> severity = value;
                case 'C' -> code = value;
                case 'M' -> message = value;
                default -> {
                }
            }
        }
        return severity + " " + code + " " + message;
    }
}
