"""asyncpg listener: Connection.add_listener, the whole run bounded by asyncio.wait_for."""
import asyncio
import sys

import asyncpg


async def run(host, port, user, database, password, channels, count):
    conn = await asyncpg.connect(host=host, port=int(port), user=user, database=database,
                                 password=password or None, timeout=10)
    assert await conn.fetchval("SELECT 1") == 1, "SELECT 1"
    queue = asyncio.Queue()
    for channel in channels:
        await conn.add_listener(channel, lambda _conn, pid, ch, payload: queue.put_nowait((ch, pid, payload)))
    print("READY", flush=True)
    for _ in range(count):
        ch, pid, payload = await queue.get()
        print(f"{ch}|{pid}|{payload}", flush=True)
    await conn.close()


def main():
    host, port, user, database, password, channel, count, timeout = sys.argv[1:9]
    try:
        asyncio.run(asyncio.wait_for(run(host, port, user, database, password, [channel] + sys.argv[9:10], int(count)), float(timeout)))
    except asyncio.TimeoutError:
        sys.exit(f"timed out after {timeout} s")


if __name__ == "__main__":
    main()
