package io.allas.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Renders the RESULT lines of a results file as a Markdown table: one row per case and figure, one column per target. */
final class Report {

    /** The figures worth a row, in this order; the rest stay in the raw RESULT lines. */
    private static final List<String> SHOWN = List.of(
            "deliveries_per_s", "notifications_per_s", "p50_ms", "p99_ms", "p999_ms",
            "added_p50_ms", "added_p99_ms", "added_p999_ms", "added_max_ms", "reference_p99_ms",
            "kb_per_client", "root_rss_kb_per_client", "idle_cpu_pct",
            "all_acked_ms", "listen_p50_ms", "listen_p99_ms", "connect_to_ack_p99_ms", "listen_overflows",
            "tps", "listen_us_each", "listen_one_ms", "delivery_us", "disconnected", "pg_restart_ms",
            "first_delivery_ms", "all_delivered_ms", "all_back_ms", "gap_notified", "gap_warned",
            "deliveries_checked", "lost", "duplicated", "reordered", "gap_reports", "excused_upstream", "excused_slow",
            "excused_uncertain", "faults", "fault_failures", "recovery_max_ms", "gap_lead_max_ms",
            "target_cpu_s", "bench_cpu_pct");

    private record Run(String caseName, String label, boolean ok, Map<String, String> params,
                       Map<String, String> metrics, String reason) {
    }

    private Report() {
    }

    static String render(Path file, String title) throws IOException {
        List<Run> runs = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            if (line.startsWith("RESULT ")) {
                runs.add(parse(line.substring(7)));
            }
        }
        List<String> labels = new ArrayList<>();
        Map<String, Map<String, Run>> byCase = new LinkedHashMap<>();
        for (Run r : runs) {
            if (!labels.contains(r.label)) {
                labels.add(r.label);
            }
            byCase.computeIfAbsent(r.caseName, k -> new LinkedHashMap<>()).put(r.label, r);
        }
        boolean ratio = labels.size() == 2;
        StringBuilder sb = new StringBuilder();
        if (title != null) {
            sb.append("## ").append(title).append("\n\n");
        }
        sb.append("| case | figure |");
        labels.forEach(l -> sb.append(' ').append(l).append(" |"));
        if (ratio) {
            sb.append(' ').append(labels.get(0)).append(" / ").append(labels.get(1)).append(" |");
        }
        sb.append("\n|---|---|");
        labels.forEach(l -> sb.append("---:|"));
        if (ratio) {
            sb.append("---:|");
        }
        sb.append('\n');
        List<String> failures = new ArrayList<>();
        for (var e : byCase.entrySet()) {
            Map<String, Run> perLabel = e.getValue();
            String caseCell = e.getKey() + describeParams(perLabel, labels);
            for (String metric : SHOWN) {
                boolean any = perLabel.values().stream().anyMatch(r -> r.metrics.containsKey(metric));
                if (!any) {
                    continue;
                }
                sb.append("| ").append(caseCell).append(" | ").append(metric).append(" |");
                caseCell = "";
                List<Double> values = new ArrayList<>();
                for (String l : labels) {
                    Run r = perLabel.get(l);
                    String v = r == null ? null : r.metrics.get(metric);
                    if (r != null && !r.ok) {
                        sb.append(" FAILED |");
                        values.add(null);
                    } else {
                        sb.append(' ').append(v == null ? "–" : group(v)).append(" |");
                        values.add(v == null ? null : Double.valueOf(v));
                    }
                }
                if (ratio) {
                    Double a = values.get(0);
                    Double b = values.get(1);
                    sb.append(' ').append(a == null || b == null || b == 0 ? "–"
                            : String.format(Locale.ROOT, "%.2f", a / b)).append(" |");
                }
                sb.append('\n');
            }
            for (Run r : perLabel.values()) {
                if (!r.ok) {
                    failures.add("- " + r.caseName + " on " + r.label + " FAILED: " + r.reason);
                }
            }
        }
        if (!failures.isEmpty()) {
            sb.append('\n');
            failures.forEach(f -> sb.append(f).append('\n'));
        }
        return sb.toString();
    }

    /** The case's parameters; one that differs between targets (a paced rate) is shown per target, in column order. */
    private static String describeParams(Map<String, Run> perLabel, List<String> labels) {
        Map<String, List<String>> values = new LinkedHashMap<>();
        for (String l : labels) {
            Run r = perLabel.get(l);
            if (r != null) {
                r.params.forEach((k, v) -> values.computeIfAbsent(k, x -> new ArrayList<>()).add(v));
            }
        }
        if (values.isEmpty()) {
            return "";
        }
        StringBuilder sb = new StringBuilder(" (");
        values.forEach((k, v) -> sb.append(sb.length() > 2 ? ", " : "").append(k).append('=')
                .append(v.stream().distinct().count() == 1 ? v.getFirst() : String.join("/", v)));
        return sb.append(')').toString();
    }

    private static String group(String v) {
        if (v.matches("\\d{5,}")) {
            return String.format(Locale.ROOT, "%,d", Long.parseLong(v));
        }
        return v;
    }

    private static Run parse(String line) {
        String reason = null;
        int at = line.indexOf(" reason=");
        if (at >= 0) {
            reason = line.substring(at + 8);
            line = line.substring(0, at);
        }
        Map<String, String> top = new LinkedHashMap<>();
        Map<String, String> params = new LinkedHashMap<>();
        Map<String, String> metrics = new LinkedHashMap<>();
        for (String token : line.trim().split(" +")) {
            int eq = token.indexOf('=');
            if (eq < 0) {
                continue;
            }
            String k = token.substring(0, eq);
            String v = token.substring(eq + 1);
            switch (k) {
                case "scenario", "case", "label", "ok" -> top.put(k, v);
                default -> {
                    if (k.startsWith("param.")) {
                        params.put(k.substring(6), v);
                    } else {
                        metrics.put(k, v);
                    }
                }
            }
        }
        return new Run(top.get("case"), top.get("label"), "true".equals(top.get("ok")), params, metrics, reason);
    }
}
