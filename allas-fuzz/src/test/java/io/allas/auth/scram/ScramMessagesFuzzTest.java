package io.allas.auth.scram;

import java.nio.charset.StandardCharsets;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.api.Tag;

/**
 * What a SCRAM client sends before it has proven anything: the client-first and client-final
 * messages, answered or refused with a {@link ScramSession.Refusal} (PostgreSQL's message and
 * SQLSTATE); and the verifiers an operator writes into the configuration, read or not recognised.
 * Never anything else. In the package of the classes under test: they are not public.
 */
@Tag("fuzz")
class ScramMessagesFuzzTest {

    private static final ScramVerifier VERIFIER = ScramVerifier.fromPassword("fuzzing");

    @FuzzTest
    void clientMessagesAreAnsweredOrRefused(FuzzedDataProvider data) {
        boolean plus = data.consumeBoolean();
        ScramSession session = new ScramSession(VERIFIER, VERIFIER.salt(),
                plus ? data.consumeBytes(32) : null, data.consumeBoolean(), "server-nonce-for-fuzzing");
        try {
            session.serverFirst(data.consumeBytes(data.consumeInt(0, 2000)));
            session.serverFinal(data.consumeRemainingAsBytes());
        } catch (ScramSession.Refusal refused) {
            if (refused.result() == null) {
                throw new AssertionError("a refusal carries the client's answer", refused);
            }
        }
    }

    @FuzzTest
    void configuredVerifiersAreReadOrNotRecognised(FuzzedDataProvider data) {
        String text = new String(data.consumeRemainingAsBytes(), StandardCharsets.UTF_8);
        ScramVerifier.parse(text);
        ScramVerifier.looksLikeVerifier(text);
    }
}
