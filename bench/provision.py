"""Provisioning throughput: a synthetic register imported on SQLite and PostgreSQL.

Generates a register of N persons (valid NIR keys, one child in ten attached to the
person before it, notices by e-mail, SMS and letter), streamed to disk, and imports it
with ``accounts.provisioning.provision`` into a fresh SQLite database (temp dir) and a
throw-away PostgreSQL database. Each measure runs in its own process, so its peak RSS
(``resource.getrusage``) is its own; a smaller run shows the memory stays flat with size.
Then the letter PDF rate (``accounts.letters.batch_letters``). Appends the figures to
bench/provision-report.md.

Usage: python bench/provision.py [--persons 100000] [--letters 2000] [--postgres URL]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[1]
REPORT = ROOT / "bench" / "provision-report.md"
HEADER = ("nir;birth_family_name;first_names;used_family_name;birth_date;sex;"
          "birth_place_code;email;phone;postal_address;vitale_serial;notice;parent_nir\n")
PLACES = ("75056", "69123", "13055", "33063", "31555", "44109", "59350", "2A004")
NAMES = ("MARTIN", "BERNARD", "DUBOIS", "THOMAS", "ROBERT", "RICHARD", "PETIT", "DURAND")
FIRST = {"1": ("Lucas", "Hugo", "Louis", "Jules"), "2": ("Emma", "Jade", "Louise", "Alice")}


# -- the synthetic register ----------------------------------------------------------------


def nir(sex: str, year: int, month: int, place: str, order: int) -> str:
    digits = f"{sex}{year % 100:02d}{month:02d}{place}{order:03d}"
    number = int(digits.replace("2A", "19").replace("2B", "18"))
    return f"{digits}{97 - number % 97:02d}"


def person(i: int, *, child_of: str | None = None) -> tuple[str, str]:
    """Line ``i`` (mixed radix: order, place, month, year, sex → unique NIRs)."""
    order, rest = i % 1000, i // 1000
    place, rest = PLACES[rest % len(PLACES)], rest // len(PLACES)
    month, rest = rest % 12 + 1, rest // 12
    years = (2010, 16) if child_of else (1940, 60)  # children and adults never collide
    year, sex = years[0] + rest % years[1], "12"[(rest // years[1]) % 2]
    number = nir(sex, year, month, place, order)
    name, first = NAMES[i % len(NAMES)], FIRST[sex][i % 4]
    born = f"{year}-{month:02d}-{i % 28 + 1:02d}"
    if child_of:
        contact, vitale, notice = ";;", "", ""
    else:
        notice = ("email", "email", "email", "email", "email", "email", "email", "sms", "sms",
                  "letter")[i % 10]
        address = f"{i % 200 + 1} rue de la Paix|75002 PARIS"
        contact = f"p{i}@example.org;06{i % 100_000_000:08d};{address}"
        vitale = f"{i:012d}"
    line = (f"{number};{name};{first} Marie;;{born};{'M' if sex == '1' else 'F'};{place};"
            f"{contact};{vitale};{notice};{child_of or ''}\n")
    return number, line


def lines(count: int) -> Iterator[str]:
    parent = ""
    for i in range(count):
        if i % 10 == 9:  # one child in ten, of the adult just before
            yield person(i, child_of=parent)[1]
        else:
            parent, line = person(i)
            yield line


def write_register(path: Path, count: int) -> None:
    with path.open("w", encoding="utf-8") as f:
        f.write(HEADER)
        f.writelines(lines(count))


# -- one measure, in its own process ---------------------------------------------------------


def measure(url: str, persons: int, letters: int, data_dir: Path) -> dict[str, float]:
    """Import ``data_dir/register.csv`` into the migrated database at ``url``."""
    from espace_sante.accounts.provisioning import provision
    from espace_sante.bootstrap import build
    from espace_sante.core.actors import Actor, ActorKind
    from espace_sante.settings import Settings

    register = data_dir / "register.csv"
    c = build(Settings(data_dir=data_dir, database_url=url, run_worker_in_process=False))
    operator = Actor(ActorKind.OPERATOR, "bench", "bench")
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    cpu_before, db_before = _cpu_seconds(), _server_cpu_seconds(c.engine)
    start = time.perf_counter()
    run = provision(c.factory, c.settings, c.clock, register, actor=operator)
    seconds = time.perf_counter() - start
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    cpu, db = _cpu_seconds() - cpu_before, _server_cpu_seconds(c.engine) - db_before
    result = {"persons": persons, "created": run.created, "refused": run.refused,
              "seconds": seconds, "rate": run.created / seconds,
              "rss_before_mb": rss_before / 1024, "rss_peak_mb": rss_after / 1024,
              "load": os.getloadavg()[0], "python_us": cpu / persons * 1e6,
              "server_us": db / persons * 1e6}
    if letters:
        result.update(_letters(c, letters))
    c.engine.dispose()
    return result


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _server_cpu_seconds(engine: object) -> float:
    """CPU time of this database's PostgreSQL backends (same machine: /proc), else 0."""
    from sqlalchemy import text

    if engine.dialect.name != "postgresql":  # type: ignore[attr-defined]
        return 0.0
    with engine.connect() as conn:  # type: ignore[attr-defined]
        pids = conn.execute(text("SELECT pid FROM pg_stat_activity "
                                 "WHERE datname = current_database()")).scalars().all()
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def _letters(c: object, count: int) -> dict[str, float]:
    from sqlalchemy import func, select, update

    from espace_sante.accounts.letters import batch_letters
    from espace_sante.core.notify import OutboxMessage

    factory = c.factory  # type: ignore[attr-defined]
    with factory() as session:  # turn the first ``count`` notices into letters
        ids = select(OutboxMessage.id).order_by(OutboxMessage.id).limit(count)
        session.execute(update(OutboxMessage).where(OutboxMessage.id.in_(ids.scalar_subquery()))
                        .values(
            channel="letter", recipient="Camille MARTIN\n12 rue de la Paix\n75002 PARIS",
            sent_at=None))
        session.commit()
        pending = session.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.channel == "letter", OutboxMessage.sent_at.is_(None)))
    start = time.perf_counter()
    files = batch_letters(factory, c.settings, c.clock)  # type: ignore[attr-defined]
    seconds = time.perf_counter() - start
    return {"letters": float(pending or 0), "letter_files": float(len(files)),
            "letters_seconds": seconds, "letters_rate": (pending or 0) / seconds}


def child(url: str, persons: int, letters: int) -> dict[str, float]:
    """Migrate and write the register here, then run ``measure`` in a fresh interpreter
    (so its peak RSS is the import's); returns its figures."""
    from espace_sante import migrate

    migrate.upgrade(url)
    with tempfile.TemporaryDirectory() as tmp:
        write_register(Path(tmp) / "register.csv", persons)
        out = subprocess.run(
            [sys.executable, __file__, "--one", url, "--data-dir", tmp,
             "--persons", str(persons), "--letters", str(letters)],
            capture_output=True, text=True, check=True, cwd=ROOT,
        ).stdout
    return json.loads(out.strip().splitlines()[-1])  # type: ignore[no-any-return]


def on_sqlite(persons: int, letters: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        return child(f"sqlite:///{tmp}/bench.db", persons, letters)


def on_postgres(server: str, persons: int, letters: int) -> dict[str, float]:
    name = f"es_bench_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        url = server.replace("postgresql://", "postgresql+psycopg://") + f"/{name}"
        return child(url, persons, letters)
    finally:
        with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# -- the report ----------------------------------------------------------------------------


def row(label: str, r: dict[str, float]) -> str:
    server = f"{r['server_us']:.0f}" if r["server_us"] else "(in process)"
    return (f"| {label} | {int(r['persons']):,} | {int(r['created']):,} | {r['seconds']:.1f} | "
            f"**{r['rate']:,.0f}** | {r['rss_before_mb']:.0f} → {r['rss_peak_mb']:.0f} | "
            f"{r['python_us']:.0f} | {server} | {r['load']:.1f} |")


def write_report(results: list[tuple[str, dict[str, float]]],
                 letters: dict[str, float] | None) -> None:
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    out = [f"\n## {when} · {os.cpu_count()} cores · Python {platform.python_version()}\n",
           "| database | register lines | spaces created | seconds | persons/s "
           "| peak RSS MB (before → after import) | Python CPU µs/person "
           "| PostgreSQL CPU µs/person | load average (1 min) |",
           "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    out += [row(label, r) for label, r in results]
    if letters:
        out.append(f"\nLetters: {int(letters['letters']):,} letters in "
                   f"{int(letters['letter_files'])} PDF file(s), "
                   f"{letters['letters_seconds']:.1f} s, "
                   f"**{letters['letters_rate']:,.0f} letters/s** (SQLite).")
    if not REPORT.exists():
        REPORT.write_text("# Provisioning benchmark\n\nWritten by `bench/provision.py`: spaces "
                          "(identity, code, notice, audit event) created per second from a "
                          "synthetic register; one child in ten.\n", encoding="utf-8")
    with REPORT.open("a", encoding="utf-8") as f:
        f.write("\n".join(out) + "\n")
    print("\n".join(out))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--letters", type=int, default=2000)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--one", help=argparse.SUPPRESS)  # internal: one measure
    parser.add_argument("--data-dir", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure(args.one, args.persons, args.letters, Path(args.data_dir))))
        return
    small = max(args.persons // 10, 1)
    results = [
        ("PostgreSQL", on_postgres(args.postgres, args.persons, 0)),
        (f"PostgreSQL ({small:,} lines, memory check)", on_postgres(args.postgres, small, 0)),
        ("SQLite", on_sqlite(args.persons, 0)),
        (f"SQLite ({small:,} lines, memory check)", on_sqlite(small, 0)),
    ]
    letters = on_sqlite(args.letters, args.letters) if args.letters else None
    write_report(results, letters)


if __name__ == "__main__":
    main()
