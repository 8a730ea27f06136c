#!/bin/sh
# TLS for a freshly initialised throwaway PostgreSQL, run as the server's OS account with PGDATA set:
# by LocalCluster after initdb, and by the official postgres image's entrypoint, which runs the
# executable scripts in /docker-entrypoint-initdb.d once, before the server's first real start.
#
# ALLAS_TLS_DIR holds server.crt and server.key; ALLAS_TLS_ONLY_ROLE may connect over TLS only,
# the role plain_only without TLS only.
# The key is copied into PGDATA because PostgreSQL reads a key only if its own account (or root)
# owns it and nobody else may read it, which a file copied into a container does not satisfy.
set -eu

cp "$ALLAS_TLS_DIR/server.crt" "$PGDATA/server.crt"
cp "$ALLAS_TLS_DIR/server.key" "$PGDATA/server.key"
chmod 600 "$PGDATA/server.key"

# First match wins in pg_hba.conf, so the role's rules go before those that let everyone in.
hba="$PGDATA/pg_hba.conf"
{
    echo "hostssl all $ALLAS_TLS_ONLY_ROLE all scram-sha-256"
    echo "hostnossl all $ALLAS_TLS_ONLY_ROLE all reject"
    # and plain_only without TLS only: sslmode=prefer then tries again without it
    echo "hostssl all plain_only all reject"
    cat "$hba"
} > "$hba.new"
mv "$hba.new" "$hba"

cat >> "$PGDATA/postgresql.conf" <<'CONF'

# added by the allas test fixture (server-tls.sh)
ssl = on
ssl_cert_file = 'server.crt'
ssl_key_file = 'server.key'
CONF
