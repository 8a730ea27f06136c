"""Django listener: the postgresql backend at Django's default settings (only DATABASES given);
LISTEN through connection.cursor(), notifications read from the psycopg2 connection under it, as
Django applications (django-pgpubsub and the like) do."""
import select
import sys
import time

import django
from django.conf import settings


def main():
    host, port, user, database, password, channel, count, timeout = sys.argv[1:9]
    count, deadline = int(count), time.monotonic() + float(timeout)
    settings.configure(DATABASES={"default": {
        "ENGINE": "django.db.backends.postgresql", "HOST": host, "PORT": port, "USER": user,
        "PASSWORD": password, "NAME": database}})
    django.setup()
    from django.db import connection
    with connection.cursor() as cur:
        cur.execute("SELECT 1")
        assert cur.fetchone() == (1,), "SELECT 1"
    with connection.cursor() as cur:
        for name in [channel] + sys.argv[9:10]:
            cur.execute("LISTEN " + connection.ops.quote_name(name))
    print("READY", flush=True)
    raw = connection.connection
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
    connection.close()


if __name__ == "__main__":
    main()
