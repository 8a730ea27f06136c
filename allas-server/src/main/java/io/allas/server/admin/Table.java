package io.allas.server.admin;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import io.allas.server.protocol.MessageWriter;
import io.allas.server.protocol.backend.CommandComplete;
import io.allas.server.protocol.backend.DataRow;
import io.allas.server.protocol.backend.RowDescription;

/**
 * A SHOW answer as pgbouncer's: every column text, so that psql prints it and any driver reads it.
 *
 * @param columns the column names
 * @param rows    the rows, each as many values as columns
 */
record Table(List<String> columns, List<List<String>> rows) {

    private static final int TEXT_OID = 25;

    Table {
        columns = List.copyOf(columns);
        rows = List.copyOf(rows);
    }

    /**
     * Writes RowDescription, the rows and {@code SHOW}'s CommandComplete.
     */
    void writeTo(MessageWriter writer) {
        List<RowDescription.Field> fields = new ArrayList<>();
        for (String column : columns) {
            fields.add(new RowDescription.Field(column, TEXT_OID, -1, 0));
        }
        writer.send(new RowDescription(fields));
        for (List<String> row : rows) {
            List<byte[]> values = new ArrayList<>(row.size());
            for (String value : row) {
                values.add(value.getBytes(StandardCharsets.UTF_8));
            }
            writer.send(new DataRow(values));
        }
        writer.send(new CommandComplete("SHOW"));
    }
}
