package io.allas.server.session;

import java.util.ArrayList;
import java.util.List;

import io.allas.server.protocol.backend.NotificationRun;
import io.allas.server.relay.Gap;
import io.allas.server.relay.Subscriber;

/**
 * A client whose database has a {@code channel_prefix}, as the relay sees it: notifications on
 * {@code <prefix>orders} reach it as notifications on {@code orders}, and a gap names its
 * channels as it listened on them.
 */
final class NamespacedSubscriber implements Subscriber {

    private final Subscriber client;
    private final ChannelAccess access;

    NamespacedSubscriber(Subscriber client, ChannelAccess access) {
        this.client = client;
        this.access = access;
    }

    @Override
    public void deliver(List<NotificationRun> runs) {
        List<NotificationRun> renamed = new ArrayList<>(runs.size());
        for (NotificationRun run : runs) {
            renamed.add(run.withChannel(access.clientName(run.channel())));
        }
        client.deliver(renamed);
    }

    @Override
    public void missed(Gap gap) {
        client.missed(new Gap(gap.reason(), gap.from(), gap.to(),
                gap.channels().stream().map(access::clientName).toList(), gap.dropped()));
    }
}
