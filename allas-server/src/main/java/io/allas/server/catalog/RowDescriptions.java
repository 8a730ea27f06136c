package io.allas.server.catalog;

import java.util.List;

import io.allas.server.protocol.SqlState;
import io.allas.server.sql.SqlError;

/**
 * PostgreSQL's RowDescription of a statement, as a Describe of a portal bound from it reports it:
 * the same columns, each with the format the Bind asked for.
 */
public final class RowDescriptions {

    private RowDescriptions() {
    }

    /**
     * @param rowDescription a whole RowDescription message, as the server sent it
     * @param resultFormats  the Bind's result format codes: none (all text), one for all, or one per column
     * @return a copy with each column's format code set
     * @throws SqlError as PostgreSQL refuses such a Bind: a count of formats that fits neither
     *                  rule, or a format other than text (0) and binary (1)
     */
    public static byte[] withFormats(byte[] rowDescription, List<Short> resultFormats) throws SqlError {
        byte[] copy = rowDescription.clone();
        int columns = ((copy[5] & 0xFF) << 8) | (copy[6] & 0xFF);
        if (resultFormats.size() > 1 && resultFormats.size() != columns) {
            throw new SqlError(SqlState.PROTOCOL_VIOLATION, "bind message has " + resultFormats.size()
                    + " result formats but query has " + columns + " columns");
        }
        for (short format : resultFormats) {
            if (format != 0 && format != 1) {
                throw new SqlError("22023", "unsupported format code: " + format);
            }
        }
        int position = 7;
        for (int i = 0; i < columns; i++) {
            while (copy[position] != 0) {
                position++;
            }
            // NUL, table OID (4), column number (2), type OID (4), size (2), modifier (4), then the format.
            position += 1 + 4 + 2 + 4 + 2 + 4;
            int format = resultFormats.isEmpty() ? 0 : resultFormats.size() == 1 ? resultFormats.getFirst() : resultFormats.get(i);
            copy[position] = (byte) (format >>> 8);
            copy[position + 1] = (byte) format;
            position += 2;
        }
        return copy;
    }
}
