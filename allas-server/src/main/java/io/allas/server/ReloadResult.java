package io.allas.server;

import java.util.List;
import java.util.Optional;

/**
 * What one reload of the configuration did.
 *
 * @param success whether the new configuration was read and applied
 * @param applied the changes applied, one phrase each; empty when nothing changed or on failure
 * @param kept    the settings changed in the file that wait for a restart, and databases not added because
 *                they need an upstream connection allas does not have yet
 * @param error   on failure, the one-line error, as allas would print it at startup
 */
public record ReloadResult(boolean success, List<String> applied, List<String> kept, Optional<String> error) {

    public ReloadResult {
        applied = List.copyOf(applied);
        kept = List.copyOf(kept);
    }

    static ReloadResult failed(String error) {
        return new ReloadResult(false, List.of(), List.of(), Optional.of(error));
    }
}
