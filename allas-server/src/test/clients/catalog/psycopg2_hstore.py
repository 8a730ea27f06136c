"""psycopg2's register_hstore through allas: it looks the hstore type up in pg_type (a catalog
query allas passes to PostgreSQL) and fails unless the answer has the extension's row."""
import sys

import psycopg2
import psycopg2.extras


def main():
    host, port, user, database = sys.argv[1:5]
    conn = psycopg2.connect(host=host, port=int(port), user=user, dbname=database, connect_timeout=10)
    conn.autocommit = True
    psycopg2.extras.register_hstore(conn)
    print("hstore registered", flush=True)
    conn.close()


if __name__ == "__main__":
    main()
