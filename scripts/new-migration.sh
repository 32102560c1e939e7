#!/usr/bin/env bash
# Development helper: write the next migration from the difference between the models and
# the latest migration. Usage: scripts/new-migration.sh NUMBER "message" (e.g. 0004 dossier)
set -euo pipefail
cd "$(dirname "$0")/.."
number=$1 message=$2
versions=src/espace_sante/migrations/versions
previous=$(ls "$versions" | grep -E '^[0-9]{4}_' | sort | tail -1 | cut -d_ -f1)
slug=$(echo "$message" | tr ' ' '_')
tmp=$(mktemp -d)
.venv/bin/python - "$tmp" "$message" <<'PY'
import sys
from espace_sante import migrate
url = f"sqlite:///{sys.argv[1]}/m.db"
migrate.upgrade(url)
migrate.revision(url, sys.argv[2])
PY
f=$(ls "$versions"/*_"$slug".py | grep -v "^$versions/$number")
id=$(basename "$f" | cut -d_ -f1)
target="$versions/${number}_${slug}.py"
mv "$f" "$target"
sed -i "s/^revision = '$id'/revision = '$number'/; s/Revision ID: $id/Revision ID: $number/; s/^down_revision = .*/down_revision = '$previous'/; s/^Revises: .*/Revises: $previous/" "$target"
.venv/bin/ruff format -q "$target"
.venv/bin/ruff check --fix -q "$target"
rm -rf "$tmp"
echo "wrote $target"
