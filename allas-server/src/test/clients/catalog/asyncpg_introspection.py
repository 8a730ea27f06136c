"""asyncpg reading information_schema through allas: its columns are domains (sql_identifier ...),
which asyncpg does not know, so it first runs its type introspection query (WITH RECURSIVE over
pg_type, $1::oid[]) as a prepared statement; allas passes it to PostgreSQL."""
import asyncio
import sys

import asyncpg


async def run(host, port, user, database):
    conn = await asyncpg.connect(host=host, port=int(port), user=user, database=database, timeout=10)
    rows = await conn.fetch("SELECT table_name, ordinal_position FROM information_schema.columns"
                            " WHERE table_schema = 'pg_catalog' AND table_name = $1 ORDER BY ordinal_position LIMIT 2",
                            "pg_type")
    for row in rows:
        print(f"{row['table_name']}|{row['ordinal_position']}", flush=True)
    await conn.close()


def main():
    host, port, user, database = sys.argv[1:5]
    asyncio.run(asyncio.wait_for(run(host, port, user, database), 30))


if __name__ == "__main__":
    main()
