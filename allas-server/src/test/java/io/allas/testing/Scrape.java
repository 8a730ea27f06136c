package io.allas.testing;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the relay's metrics as Prometheus would.
 */
public final class Scrape {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private Scrape() {
    }

    /**
     * @return the response to GET {@code path} on the metrics listener
     */
    public static HttpResponse<String> get(int port, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /**
     * @return the value of a series (its first sample, whatever its labels) in a scrape body
     */
    public static double value(String body, String series) {
        // The series may be given with the start of its labels, e.g. name\\{method="md5".
        String prefix = series.contains("\\{") ? series : series + "\\{";
        Matcher m = Pattern.compile("(?m)^" + prefix + "[^}]*\\} ([0-9.eE+-]+)$").matcher(body);
        if (!m.find()) {
            throw new AssertionError(series + " missing from:\n" + body);
        }
        return Double.parseDouble(m.group(1));
    }

    /**
     * @return the sum of every sample of a series, whatever their labels, in a scrape body
     */
    public static double sum(String body, String series) {
        Matcher m = Pattern.compile("(?m)^" + series + "\\{[^}]*\\} ([0-9.eE+-]+)$").matcher(body);
        double sum = 0;
        while (m.find()) {
            sum += Double.parseDouble(m.group(1));
        }
        return sum;
    }

    /**
     * @return the value of a series scraped from {@code /metrics} now
     */
    public static double value(int port, String series) throws Exception {
        return value(get(port, "/metrics").body(), series);
    }

    /**
     * Scrapes until a series has a value, as a gauge reaches it a moment after what moves it.
     *
     * @throws AssertionError naming the last value seen when the deadline passes
     */
    public static void awaitValue(int port, String series, double expected, Duration deadline) throws Exception {
        long end = System.nanoTime() + deadline.toNanos();
        double seen;
        while ((seen = value(port, series)) != expected) {
            if (System.nanoTime() > end) {
                throw new AssertionError(series + " is " + seen + ", not " + expected + ", after " + deadline);
            }
            Thread.sleep(20);
        }
    }
}
