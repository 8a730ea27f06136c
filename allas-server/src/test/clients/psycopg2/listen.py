"""psycopg2 listener: LISTEN through conn.notifies, waiting with select() on the connection."""
import select
import sys
import time

import psycopg2
import psycopg2.extensions


def main():
    host, port, user, database, password, channel, count, timeout = sys.argv[1:9]
    count, deadline = int(count), time.monotonic() + float(timeout)
    conn = psycopg2.connect(host=host, port=int(port), user=user, dbname=database,
                            password=password or None, connect_timeout=10)
    with conn.cursor() as cur:
        cur.execute("SELECT 1")  # psycopg2's default: this opens a transaction (BEGIN) first
        assert cur.fetchone() == (1,), "SELECT 1"
    conn.commit()
    conn.set_session(autocommit=True)  # LISTEN must not sit in an open transaction
    with conn.cursor() as cur:
        for name in [channel] + sys.argv[9:10]:
            cur.execute("LISTEN " + psycopg2.extensions.quote_ident(name, cur))
    print("READY", flush=True)
    received = 0
    while received < count:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            sys.exit(f"timed out with {received} of {count} notifications")
        if select.select([conn], [], [], remaining) == ([], [], []):
            continue
        conn.poll()
        while conn.notifies and received < count:
            n = conn.notifies.pop(0)
            print(f"{n.channel}|{n.pid}|{n.payload}", flush=True)
            received += 1
    conn.close()


if __name__ == "__main__":
    main()
