package io.allas.server.tls;

import java.io.ByteArrayOutputStream;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;

/**
 * Reads the "BEGIN EC PRIVATE KEY" form that openssl writes (SEC 1, RFC 5915), which the JDK and
 * Helidon's PEM reader do not: the key is rewrapped as PKCS#8, naming the curve found in it.
 */
final class Sec1EcKey {

    static final String HEADER = "-----BEGIN EC PRIVATE KEY-----";
    private static final String FOOTER = "-----END EC PRIVATE KEY-----";
    /** 1.2.840.10045.2.1, id-ecPublicKey. */
    private static final byte[] EC_PUBLIC_KEY_OID = {0x06, 0x07, 0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x02, 0x01};

    private Sec1EcKey() {
    }

    /**
     * @param pem the file's content
     * @return the key
     * @throws GeneralSecurityException when the content is not a SEC 1 EC key with a named curve
     */
    static PrivateKey read(String pem) throws GeneralSecurityException {
        int start = pem.indexOf(HEADER);
        int end = pem.indexOf(FOOTER);
        if (start < 0 || end < start) {
            throw new GeneralSecurityException("no EC PRIVATE KEY block");
        }
        byte[] sec1 = Base64.getMimeDecoder().decode(pem.substring(start + HEADER.length(), end));
        byte[] curve = namedCurve(sec1);
        ByteArrayOutputStream algorithm = new ByteArrayOutputStream();
        algorithm.writeBytes(EC_PUBLIC_KEY_OID);
        algorithm.writeBytes(curve);
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(new byte[] {0x02, 0x01, 0x00}); // version 0
        body.writeBytes(tlv(0x30, algorithm.toByteArray()));
        body.writeBytes(tlv(0x04, sec1));
        byte[] pkcs8 = tlv(0x30, body.toByteArray());
        return KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
    }

    /**
     * @return the curve's OID element (tag, length, value) from the key's [0] parameters
     */
    private static byte[] namedCurve(byte[] sec1) throws GeneralSecurityException {
        int[] outer = header(sec1, 0);
        if (sec1[0] != 0x30) {
            throw new GeneralSecurityException("an EC private key is a SEQUENCE");
        }
        int position = outer[0];
        int limit = outer[0] + outer[1];
        while (position < limit) {
            int tag = sec1[position] & 0xff;
            int[] element = header(sec1, position);
            if (tag == 0xa0) {
                int oidAt = element[0];
                if (sec1[oidAt] != 0x06) {
                    throw new GeneralSecurityException("only named curves are supported");
                }
                int[] oid = header(sec1, oidAt);
                return Arrays.copyOfRange(sec1, oidAt, oid[0] + oid[1]);
            }
            position = element[0] + element[1];
        }
        throw new GeneralSecurityException("the EC private key names no curve");
    }

    /**
     * @return {offset of the value, length of the value} of the DER element at {@code at}
     */
    private static int[] header(byte[] der, int at) throws GeneralSecurityException {
        if (at + 2 > der.length) {
            throw new GeneralSecurityException("truncated DER");
        }
        int length = der[at + 1] & 0xff;
        int offset = at + 2;
        if (length >= 0x80) {
            int count = length & 0x7f;
            if (count > 3 || offset + count > der.length) {
                throw new GeneralSecurityException("bad DER length");
            }
            length = 0;
            for (int i = 0; i < count; i++) {
                length = (length << 8) | (der[offset + i] & 0xff);
            }
            offset += count;
        }
        if (offset + length > der.length) {
            throw new GeneralSecurityException("truncated DER");
        }
        return new int[] {offset, length};
    }

    private static byte[] tlv(int tag, byte[] value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(tag);
        if (value.length < 0x80) {
            out.write(value.length);
        } else if (value.length < 0x100) {
            out.write(0x81);
            out.write(value.length);
        } else {
            out.write(0x82);
            out.write(value.length >> 8);
            out.write(value.length);
        }
        out.writeBytes(value);
        return out.toByteArray();
    }
}
