package io.allas.bench;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** The figures of one run, printed as one {@code RESULT} line that {@link Report} reads back. */
final class Result {

    final String scenario;
    final String caseName;
    final String label;
    final Map<String, String> params = new LinkedHashMap<>();
    final Map<String, String> metrics = new LinkedHashMap<>();
    String failure;

    Result(String scenario, String caseName, String label) {
        this.scenario = scenario;
        this.caseName = caseName;
        this.label = label;
    }

    Result param(String key, Object value) {
        params.put(key, String.valueOf(value));
        return this;
    }

    Result metric(String key, double value) {
        metrics.put(key, format(value));
        return this;
    }

    static String format(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v);
        }
        double a = Math.abs(v);
        return String.format(Locale.ROOT, a >= 100 ? "%.0f" : a >= 10 ? "%.1f" : a >= 1 ? "%.2f" : "%.3f", v);
    }

    String line() {
        StringBuilder sb = new StringBuilder("RESULT scenario=").append(scenario).append(" case=").append(caseName)
                .append(" label=").append(label).append(" ok=").append(failure == null);
        params.forEach((k, v) -> sb.append(" param.").append(k).append('=').append(v));
        metrics.forEach((k, v) -> sb.append(' ').append(k).append('=').append(v));
        if (failure != null) {
            sb.append(" reason=").append(failure.replace('\n', ' '));
        }
        return sb.toString();
    }
}
