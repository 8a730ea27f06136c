package io.allas.bench;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Memory and CPU of a target process and its descendants (PostgreSQL's backends), from /proc. */
final class ProcStats {

    private static final double CLOCK_TICKS = 100.0; // USER_HZ on Linux

    private ProcStats() {
    }

    /** The process and all its descendants. */
    static List<Long> tree(long root) {
        Map<Long, List<Long>> children = new HashMap<>();
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path p : dir) {
                long pid = Long.parseLong(p.getFileName().toString());
                String stat = readOrNull(p.resolve("stat"));
                if (stat == null) {
                    continue;
                }
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                long ppid = Long.parseLong(f[1]);
                children.computeIfAbsent(ppid, k -> new ArrayList<>()).add(pid);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot read /proc", e);
        }
        List<Long> out = new ArrayList<>();
        ArrayDeque<Long> todo = new ArrayDeque<>();
        todo.add(root);
        while (!todo.isEmpty()) {
            long pid = todo.poll();
            out.add(pid);
            todo.addAll(children.getOrDefault(pid, List.of()));
        }
        return out;
    }

    /** Proportional set size of the tree, KiB: shared memory counted once overall, not once per process. */
    static long pssKb(long root) {
        long total = 0;
        for (long pid : tree(root)) {
            String rollup = readOrNull(Path.of("/proc", Long.toString(pid), "smaps_rollup"));
            if (rollup != null) {
                total += field(rollup, "Pss:");
            }
        }
        return total;
    }

    /** Resident set size of the process alone, KiB. */
    static long rssKb(long pid) {
        String status = readOrNull(Path.of("/proc", Long.toString(pid), "status"));
        if (status == null) {
            throw new IllegalStateException("process " + pid + " does not exist");
        }
        return field(status, "VmRSS:");
    }

    /** User plus system CPU of the tree (live processes), seconds. */
    static double cpuSeconds(long root) {
        long ticks = 0;
        for (long pid : tree(root)) {
            String stat = readOrNull(Path.of("/proc", Long.toString(pid), "stat"));
            if (stat != null) {
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                ticks += Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime
            }
        }
        return ticks / CLOCK_TICKS;
    }

    /**
     * The kernel's count of connections dropped because a listen queue was full (TcpExt ListenOverflows), for
     * all sockets of the machine: a storm that overflows the target's accept backlog shows up here, and the
     * dropped clients retry their SYN only after a second or more.
     */
    static long listenOverflows() {
        String netstat = readOrNull(Path.of("/proc/net/netstat"));
        if (netstat == null) {
            return -1;
        }
        String[] lines = netstat.split("\n");
        for (int i = 0; i + 1 < lines.length; i++) {
            if (lines[i].startsWith("TcpExt:") && lines[i + 1].startsWith("TcpExt:")) {
                String[] names = lines[i].split(" ");
                String[] values = lines[i + 1].split(" ");
                for (int k = 0; k < names.length && k < values.length; k++) {
                    if (names[k].equals("ListenOverflows")) {
                        return Long.parseLong(values[k]);
                    }
                }
            }
        }
        return -1;
    }

    /** Open file descriptors of the process and its descendants (sockets included); -1 when unreadable. */
    static long openFiles(long root) {
        long count = 0;
        for (long pid : tree(root)) {
            try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "fd"))) {
                for (Path ignored : fds) {
                    count++;
                }
            } catch (IOException e) {
                // The process ended meanwhile: its descriptors are gone.
            }
        }
        return count;
    }

    static boolean alive(long pid) {
        return Files.exists(Path.of("/proc", Long.toString(pid)));
    }

    private static long field(String text, String name) {
        for (String line : text.split("\n")) {
            if (line.startsWith(name)) {
                String[] parts = line.substring(name.length()).trim().split("\\s+");
                return Long.parseLong(parts[0]);
            }
        }
        return 0;
    }

    private static String readOrNull(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException | RuntimeException e) {
            return null; // the process ended meanwhile
        }
    }
}
