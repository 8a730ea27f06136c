package io.allas.server.relay;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

import io.allas.server.protocol.backend.NotificationRun;

/**
 * Gives a notification that a client sent through allas that client's own process ID (the one in
 * its BackendKeyData) in place of the sending connection's, so that "ignore my own notifications"
 * works through the relay as it does directly.
 *
 * <p>The publisher records each notification before its transaction commits, in commit order. The
 * server delivers one sender's notifications in that order too, but only those on channels the
 * relay listens on: a notification from the sending connection therefore belongs to the first
 * recorded one with the same channel and payload, and the ones recorded before it were never
 * delivered and are dropped. Identical notifications of two clients are never committed in one
 * transaction (the publisher sees to it), so the server never folds them into one.
 *
 * <p>Recorded from the publisher's thread, matched on the relay's; nothing is done for
 * notifications while nothing is recorded, so the fan-out of everyone else's pays one volatile read.
 */
final class SenderAttribution {

    /** The most notifications remembered per sending connection; older ones are forgotten first. */
    static final int MAX_PENDING = 10_000;
    /** Sending connections remembered: the current one and the one before it, whose last notifications may still arrive. */
    private static final int MAX_SENDERS = 2;
    /** Type byte and length precede the sender's process ID in a NotificationResponse. */
    private static final int PID_OFFSET = 5;

    /** A recorded notification: its channel and payload, and the client to credit with it. */
    record Sent(String channel, String payload, int clientPid) {
    }

    /** The notifications recorded for one sending connection, oldest first. */
    private record Sender(int pid, ArrayDeque<Sent> pending) {
    }

    private final ReentrantLock lock = new ReentrantLock();
    private final List<Sender> senders = new ArrayList<>();
    private volatile int recorded;

    /**
     * Records notifications about to be committed by the sending connection {@code senderPid}, in
     * the order of its commits.
     */
    void record(int senderPid, List<Sent> sent) {
        lock.lock();
        try {
            Sender sender = sender(senderPid);
            for (Sent each : sent) {
                if (sender.pending().size() >= MAX_PENDING) {
                    sender.pending().removeFirst();
                } else {
                    recorded++;
                }
                sender.pending().addLast(each);
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Forgets notifications whose transaction did not commit.
     */
    void forget(int senderPid, List<Sent> sent) {
        lock.lock();
        try {
            for (Sender sender : senders) {
                if (sender.pid() == senderPid) {
                    for (Sent each : sent) {
                        // Identity: an equal notification recorded by another client must stay.
                        if (sender.pending().removeIf(s -> s == each)) {
                            recorded--;
                        }
                    }
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Rewrites, in place, the sender's process ID of each notification that a client sent through
     * allas. Called on the relay thread before the runs are shared with any subscriber.
     */
    void attribute(List<NotificationRun> runs) {
        if (recorded == 0) {
            return;
        }
        lock.lock();
        try {
            for (NotificationRun run : runs) {
                attribute(run);
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * @return how many notifications are recorded and not delivered yet
     */
    int pending() {
        return recorded;
    }

    private void attribute(NotificationRun run) {
        byte[] bytes = run.messages();
        ByteBuffer messages = ByteBuffer.wrap(bytes);
        int position = 0;
        int channelBytes = -1;
        for (int i = 0; i < run.count() && recorded > 0; i++) {
            int size = 1 + messages.getInt(position + 1);
            Sender sender = find(messages.getInt(position + PID_OFFSET));
            if (sender != null) {
                if (channelBytes < 0) {
                    channelBytes = run.channel().getBytes(StandardCharsets.UTF_8).length;
                }
                int payloadStart = position + PID_OFFSET + 4 + channelBytes + 1;
                String payload = new String(bytes, payloadStart, position + size - 1 - payloadStart, StandardCharsets.UTF_8);
                Integer clientPid = match(sender, run.channel(), payload);
                if (clientPid != null) {
                    messages.putInt(position + PID_OFFSET, clientPid);
                }
            }
            position += size;
        }
    }

    private Sender find(int pid) {
        for (Sender sender : senders) {
            if (sender.pid() == pid) {
                return sender;
            }
        }
        return null;
    }

    /** @return the client to credit, or null when the notification was not recorded */
    private Integer match(Sender sender, String channel, String payload) {
        int skipped = 0;
        for (Iterator<Sent> it = sender.pending().iterator(); it.hasNext(); skipped++) {
            Sent sent = it.next();
            if (sent.channel().equals(channel) && sent.payload().equals(payload)) {
                // The ones before it were on channels the relay did not listen on: never delivered.
                for (int i = 0; i <= skipped; i++) {
                    sender.pending().removeFirst();
                }
                recorded -= skipped + 1;
                return sent.clientPid();
            }
        }
        return null;
    }

    private Sender sender(int pid) {
        Sender existing = find(pid);
        if (existing != null) {
            return existing;
        }
        Sender created = new Sender(pid, new ArrayDeque<>());
        senders.add(created);
        if (senders.size() > MAX_SENDERS) {
            recorded -= senders.removeFirst().pending().size();
        }
        return created;
    }
}
