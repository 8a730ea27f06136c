/**
 * allas-bench: a LISTEN/NOTIFY load generator for allas, PostgreSQL, or any target speaking the
 * PostgreSQL protocol. Listeners speak the protocol by hand over NIO; pgjdbc is the producer (and
 * channelcount's two connections, which run statements of thousands of LISTENs).
 */
module io.allas.bench {
    requires java.sql;
    requires java.management;
    requires jdk.management;
    requires org.postgresql.jdbc;
}
