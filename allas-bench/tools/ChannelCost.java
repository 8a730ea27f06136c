/*
 * What the number of channels one PostgreSQL backend listens on costs a LISTEN and a delivery: the
 * relay's one upstream backend is that backend. One-off measurement behind limits.max_channels'
 * default (BENCHMARKS.md, "Channels"); not yet a scenario of allas-bench.
 *
 *   java -cp postgresql.jar ChannelCost.java jdbc:postgresql://127.0.0.1:5432/postgres 0,1000,10000,30000,100000 20000
 */
import java.sql.*;
import java.util.*;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

public class ChannelCost {
    public static void main(String[] a) throws Exception {
        String url = a[0];
        int[] targets = Arrays.stream(a[1].split(",")).mapToInt(Integer::parseInt).toArray();
        int notes = Integer.parseInt(a[2]);
        String producerUrl = a.length > 3 ? a[3] : url;
        Properties p = new Properties(); p.setProperty("user", "postgres");
        try (Connection l = DriverManager.getConnection(url, p); Connection pr = DriverManager.getConnection(producerUrl, p)) {
            PGConnection pl = l.unwrap(PGConnection.class);
            Statement ls = l.createStatement();
            ls.execute("LISTEN probe");
            int have = 0;
            for (int target : targets) {
                long last = 0;
                while (have < target) {
                    int n = Math.min(1000, target - have);
                    StringBuilder sb = new StringBuilder();
                    for (int i = 0; i < n; i++) sb.append("LISTEN c_").append(have + i).append(';');
                    long t = System.nanoTime();
                    ls.execute(sb.toString());
                    last = System.nanoTime() - t;
                    have += n;
                }
                // the probe last in the backend's list, where a notification's check finds it last
                ls.execute("UNLISTEN probe");
                ls.execute("LISTEN probe");
                // one LISTEN more, alone, at this count
                long t1 = System.nanoTime();
                ls.execute("LISTEN single_" + target);
                long single = System.nanoTime() - t1;
                have++;
                double[] per = new double[3];
                for (int rep = 0; rep < 3; rep++) {
                    long t = System.nanoTime();
                    pr.createStatement().execute("SELECT count(pg_notify('probe', g::text)) FROM generate_series(1," + notes + ") g");
                    int got = 0;
                    while (got < notes) {
                        PGNotification[] ns = pl.getNotifications(10_000);
                        if (ns != null) got += ns.length;
                    }
                    per[rep] = (System.nanoTime() - t) / 1e3 / notes;
                }
                Arrays.sort(per);
                System.out.printf("channels=%d  LISTEN(batch of 1000 at this count)=%.1f us each  LISTEN(alone)=%.2f ms  delivery=%.2f us/notification (median of 3 x %d)%n",
                        target, last / 1e3 / 1000, single / 1e6, per[1], notes);
            }
        }
    }
}
