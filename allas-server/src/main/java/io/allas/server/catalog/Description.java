package io.allas.server.catalog;

import java.util.List;

/**
 * A catalog query as PostgreSQL describes it.
 *
 * @param parameterTypes its parameters' type OIDs, as PostgreSQL inferred them
 * @param rowDescription PostgreSQL's RowDescription message (every column in text format), or
 *                       null when the query returns no rows
 */
public record Description(List<Integer> parameterTypes, byte[] rowDescription) {

    public Description {
        parameterTypes = List.copyOf(parameterTypes);
    }
}
