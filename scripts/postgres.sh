#!/usr/bin/env bash
# Make sure the local PostgreSQL answers on 127.0.0.1:5432 (trust auth); start it if down.
# The tests create and drop their own throw-away database on it.
set -euo pipefail
[ "${1:-ensure}" = "ensure" ] || { echo "usage: $0 ensure" >&2; exit 2; }
if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then exit 0; fi
if ! command -v pg_ctlcluster >/dev/null; then
  "$(dirname "$0")/apt-install.sh" postgresql
fi
version=$(ls /etc/postgresql | sort -V | tail -n 1)
pg_ctlcluster --skip-systemctl-redirect "$version" main start
for _ in $(seq 1 30); do
  pg_isready -q -h 127.0.0.1 -p 5432 && exit 0
  sleep 1
done
echo "PostgreSQL did not start on 127.0.0.1:5432" >&2
exit 1
