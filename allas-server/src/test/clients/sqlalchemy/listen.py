"""SQLAlchemy listener: an Engine with its default pool (QueuePool over psycopg2); LISTEN on a pooled
connection in AUTOCOMMIT, as SQLAlchemy's documentation does it, notifications read from the
psycopg2 connection under it."""
import select
import sys
import time

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL


def main():
    host, port, user, database, password, channel, count, timeout = sys.argv[1:9]
    count, deadline = int(count), time.monotonic() + float(timeout)
    engine = create_engine(URL.create("postgresql+psycopg2", username=user, password=password or None,
                                      host=host, port=int(port), database=database))
    with engine.connect() as conn:
        assert conn.execute(text("SELECT 1")).scalar() == 1, "SELECT 1"
    conn = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
    quote = conn.dialect.identifier_preparer.quote_identifier
    for name in [channel] + sys.argv[9:10]:
        conn.execute(text("LISTEN " + quote(name)))
    print("READY", flush=True)
    raw = conn.connection.dbapi_connection
    received = 0
    while received < count:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            sys.exit(f"timed out with {received} of {count} notifications")
        if select.select([raw], [], [], remaining) == ([], [], []):
            continue
        raw.poll()
        while raw.notifies and received < count:
            n = raw.notifies.pop(0)
            print(f"{n.channel}|{n.pid}|{n.payload}", flush=True)
            received += 1
    conn.close()
    engine.dispose()


if __name__ == "__main__":
    main()
