#!/usr/bin/env bash
# Development helper: rewrite migration 0002 from the current models (only while 0002 has
# not been released). Usage: scripts/regen-migration-0002.sh
set -euo pipefail
cd "$(dirname "$0")/.."
versions=src/espace_sante/migrations/versions
rm -f "$versions"/0002_*.py
tmp=$(mktemp -d)
.venv/bin/python - "$tmp" <<'PY'
import sys
from espace_sante import migrate
url = f"sqlite:///{sys.argv[1]}/m.db"
migrate.upgrade(url)
migrate.revision(url, "account lifecycle")
PY
f=$(ls "$versions"/*_account_lifecycle.py)
id=$(basename "$f" | cut -d_ -f1)
mv "$f" "$versions/0002_account_lifecycle.py"
f="$versions/0002_account_lifecycle.py"
sed -i "s/^revision = '$id'/revision = '0002'/; s/Revision ID: $id/Revision ID: 0002/; s/^down_revision = .*/down_revision = '0001'/" "$f"
.venv/bin/ruff format -q "$f"
.venv/bin/ruff check --fix -q "$f"
rm -rf "$tmp"
echo "rewrote $f"
