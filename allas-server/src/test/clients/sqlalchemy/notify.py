"""SQLAlchemy notifier: broadcasts each PAYLOAD on CHANNEL through an Engine's default pool,
alternately with NOTIFY on an AUTOCOMMIT connection and with pg_notify() bound in a transaction
(engine.begin()), each on a connection borrowed from the pool and returned. Prints, for each, the
process ID of the connection that sent it.

Arguments: HOST PORT USER DATABASE PASSWORD CHANNEL PAYLOAD..."""
import sys

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL


def main():
    host, port, user, database, password, channel = sys.argv[1:7]
    engine = create_engine(URL.create("postgresql+psycopg2", username=user, password=password or None,
                                      host=host, port=int(port), database=database))
    for i, payload in enumerate(sys.argv[7:]):
        if i % 2 == 0:
            with engine.connect() as conn:
                conn = conn.execution_options(isolation_level="AUTOCOMMIT")
                quoted = conn.dialect.identifier_preparer.quote_identifier(channel)
                conn.exec_driver_sql("NOTIFY " + quoted + ", %s", (payload,))
                pid = conn.execute(text("SELECT pg_backend_pid()")).scalar()
        else:
            with engine.begin() as conn:
                conn.execute(text("SELECT pg_notify(:channel, :payload)"), {"channel": channel, "payload": payload})
                pid = conn.execute(text("SELECT pg_backend_pid()")).scalar()
        print(pid, flush=True)
    engine.dispose()


if __name__ == "__main__":
    main()
