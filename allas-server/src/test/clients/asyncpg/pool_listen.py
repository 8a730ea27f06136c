"""asyncpg listener through a Pool: add_listener on an acquired connection; releasing it runs
asyncpg's reset query (pg_advisory_unlock_all(), CLOSE ALL, UNLISTEN *, RESET ALL), and the pool
hands the same connection out again."""
import asyncio
import sys

import asyncpg


async def run(host, port, user, database, password, channels, count):
    pool = await asyncpg.create_pool(host=host, port=int(port), user=user, database=database,
                                     password=password or None, timeout=10, min_size=1, max_size=1)
    queue = asyncio.Queue()

    def on_notification(_conn, pid, ch, payload):
        queue.put_nowait((ch, pid, payload))

    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT 1") == 1, "SELECT 1"
        for channel in channels:
            await conn.add_listener(channel, on_notification)
        print("READY", flush=True)
        for _ in range(count):
            ch, pid, payload = await queue.get()
            print(f"{ch}|{pid}|{payload}", flush=True)
        for channel in channels:
            await conn.remove_listener(channel, on_notification)
    # Released: the reset query ran on it. The pool's only connection must still work.
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT 1") == 1, "SELECT 1 after the pool's reset"
    await pool.close()


def main():
    host, port, user, database, password, channel, count, timeout = sys.argv[1:9]
    try:
        asyncio.run(asyncio.wait_for(run(host, port, user, database, password, [channel] + sys.argv[9:10], int(count)), float(timeout)))
    except asyncio.TimeoutError:
        sys.exit(f"timed out after {timeout} s")


if __name__ == "__main__":
    main()
