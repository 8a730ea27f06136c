package io.allas.server.catalog;

/**
 * A catalog query's result, as PostgreSQL sent it.
 *
 * @param rowDescription PostgreSQL's RowDescription message, in the formats asked for; null when
 *                       the query returns no rows
 * @param dataRows       its DataRow messages, one after the other
 * @param commandTag     its command tag, such as {@code SELECT 3}
 */
public record Execution(byte[] rowDescription, byte[] dataRows, String commandTag) {
}
