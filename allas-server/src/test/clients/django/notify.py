"""Django notifier: broadcasts each PAYLOAD on CHANNEL through Django's connection, alternately
with NOTIFY in autocommit and with pg_notify() inside transaction.atomic(). Prints, for each, the
process ID of the connection that sent it.

Arguments: HOST PORT USER DATABASE PASSWORD CHANNEL PAYLOAD..."""
import sys

import django
from django.conf import settings


def main():
    host, port, user, database, password, channel = sys.argv[1:7]
    settings.configure(DATABASES={"default": {
        "ENGINE": "django.db.backends.postgresql", "HOST": host, "PORT": port, "USER": user,
        "PASSWORD": password, "NAME": database}})
    django.setup()
    from django.db import connection, transaction
    for i, payload in enumerate(sys.argv[7:]):
        if i % 2 == 0:
            with connection.cursor() as cur:
                cur.execute("NOTIFY " + connection.ops.quote_name(channel) + ", %s", [payload])
                cur.execute("SELECT pg_backend_pid()")
                pid = cur.fetchone()[0]
        else:
            with transaction.atomic(), connection.cursor() as cur:
                cur.execute("SELECT pg_notify(%s, %s)", [channel, payload])
                cur.execute("SELECT pg_backend_pid()")
                pid = cur.fetchone()[0]
        print(pid, flush=True)
    connection.close()


if __name__ == "__main__":
    main()
