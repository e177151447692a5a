#!/bin/sh
# deploy/pgbouncer/entrypoint.sh: writes pgbouncer's auth file from ROLE=FILE arguments, then runs pgbouncer.
#
#   pgbouncer-entrypoint ebbflow_worker=/run/secrets/ebbflow_worker_password ebbflow_api=/run/secrets/...
#
# Why: the passwords live only in Docker secrets (files). pgbouncer needs each role's password
# in plain text in its auth file to both check the client (SCRAM) and log in to PostgreSQL as
# that role, so the file is written at start into a directory only this user can read, from
# the secret files, and never printed. A file's trailing newline is not part of the password;
# a double quote is doubled, as the auth file's format wants. PGBOUNCER_AUTH_FILE and
# PGBOUNCER_INI move the two files (scripts/deploy-check runs this script outside Docker).
set -eu

auth=${PGBOUNCER_AUTH_FILE:-/run/pgbouncer/userlist.txt}
umask 077
: >"$auth.tmp"
[ "$#" -gt 0 ] || { echo "pgbouncer-entrypoint: no ROLE=FILE argument: nobody could connect" >&2; exit 1; }
for pair in "$@"; do
    role=${pair%%=*}
    file=${pair#*=}
    case $role in
    "" | *[!a-z0-9_]*) echo "pgbouncer-entrypoint: '$role' is not a role name (a-z, 0-9, _)" >&2; exit 1 ;;
    esac
    [ "$file" != "$pair" ] && [ -r "$file" ] ||
        { echo "pgbouncer-entrypoint: no readable password file for $role ($file)" >&2; exit 1; }
    password=$(sed -e 's/"/""/g' "$file" | tr -d '\r\n')
    [ -n "$password" ] || { echo "pgbouncer-entrypoint: the password file for $role ($file) is empty" >&2; exit 1; }
    printf '"%s" "%s"\n' "$role" "$password" >>"$auth.tmp"
done
mv "$auth.tmp" "$auth"
exec pgbouncer "${PGBOUNCER_INI:-/etc/pgbouncer/pgbouncer.ini}"
