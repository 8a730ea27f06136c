package io.allas.server.relay;

import java.util.List;

import io.allas.server.protocol.backend.NotificationRun;

/**
 * A client whose channels carry a prefix upstream ({@code channel_prefix}): notifications on
 * {@code <prefix>orders} reach it as notifications on {@code orders}, renamed once per round for
 * every client behind the same prefix ({@link PrefixRenames}), and a gap names its channels as
 * the client listened on them.
 */
final class PrefixedSubscriber implements Subscriber {

    private final Subscriber client;
    private final PrefixRenames renames;

    PrefixedSubscriber(Subscriber client, PrefixRenames renames) {
        this.client = client;
        this.renames = renames;
    }

    @Override
    public void deliver(List<NotificationRun> runs) {
        client.deliver(renames.rename(runs));
    }

    @Override
    public void missed(Gap gap) {
        client.missed(new Gap(gap.reason(), gap.from(), gap.to(),
                gap.channels().stream().map(renames::clientName).toList(), gap.dropped()));
    }
}
