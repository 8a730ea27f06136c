"""psycopg 3 listener: LISTEN, then conn.notifies(); a timer bounds the wait (psycopg 3.1 has no timeout)."""
import sys
import threading
import time

import psycopg
from psycopg import sql


def main():
    host, port, user, database, password, channel, count, timeout = sys.argv[1:9]
    count = int(count)
    timer = threading.Timer(float(timeout), lambda: (print(f"timed out after {timeout} s", file=sys.stderr, flush=True),
                                                     __import__("os")._exit(3)))
    timer.daemon = True
    timer.start()
    conn = psycopg.connect(host=host, port=int(port), user=user, dbname=database,
                           password=password or None, connect_timeout=10, autocommit=True)
    assert conn.execute("SELECT 1").fetchone() == (1,), "SELECT 1"
    for name in [channel] + sys.argv[9:10]:
        conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(name)))
    print("READY", flush=True)
    received = 0
    for n in conn.notifies():
        print(f"{n.channel}|{n.pid}|{n.payload}", flush=True)
        received += 1
        if received == count:
            break
    conn.close()
    timer.cancel()


if __name__ == "__main__":
    main()
