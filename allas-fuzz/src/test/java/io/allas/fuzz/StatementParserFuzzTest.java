package io.allas.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.api.Tag;

import io.allas.server.sql.SqlError;
import io.allas.server.sql.StatementParser;

/**
 * Query text from a client: parsed into statements, or refused with a {@link SqlError}; never
 * anything else (a runtime exception would end the client's session with an internal error).
 */
@Tag("fuzz")
class StatementParserFuzzTest {

    @FuzzTest
    void queryTextIsParsedOrRefused(FuzzedDataProvider data) {
        try {
            StatementParser.parse(data.consumeRemainingAsString());
        } catch (SqlError refused) {
            // The answer a client gets for what allas does not accept.
        }
    }
}
