"""Measure reads against the real server, for a patient with 10,000 measures, on SQLite and
on PostgreSQL (issue 5: page and FHIR search latencies).

For each database: migrate, load the demo (profiles included), bring Camille's weights to
10,000 through ``profile.add_measures`` (a connected scale's sync, in batches, oldest
first, so the BMI follows as in use; not measured), start ``espace-sante serve``
(background worker off) on 127.0.0.1 and measure with wrk, each request checked by the
policy and audited as in production:

1. the JSON history ``GET /api/spaces/{id}/measures/weight?count=20`` (Camille's session);
2. the chart series ``GET /api/spaces/{id}/measures/weight/series`` (all 10,000 points);
3. the measure page ``GET /espaces/{id}/profil/mesures/weight`` (Camille's session);
4. ``GET /fhir/Observation?patient={id}&code=http://loinc.org|29463-7&_sort=-date&_count=20``
   (Dr Durand, her médecin traitant).

A URL that answers 404 (a page or a FHIR type not built yet) is skipped and said so in
the report. Bounded: a few wrk runs of ``--duration`` seconds per database, loopback only.
Writes the key "profile" of bench/report.json and appends to bench/measures-report.md.
Usage: python bench/measures.py [--duration 5] [--postgres URL] [--only sqlite]
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import psycopg
from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script: bench.*

from bench.dossier import free_port, postgres_database, server, space_ids, write_json, wrk
from espace_sante import demo
from espace_sante.bootstrap import Container, build
from espace_sante.core.actors import Actor, ActorKind, LegalBasis
from espace_sante.core.audit import AuditEvent
from espace_sante.core.notify import OutboxMessage
from espace_sante.profile import service as profile
from espace_sante.profile.codes import MeasureKind
from espace_sante.profile.models import Measure
from espace_sante.profile.views import MeasureInput, NewMeasure
from espace_sante.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
REPORT_JSON = ROOT / "bench" / "report.json"
REPORT_MD = ROOT / "bench" / "measures-report.md"
DR_DURAND = "10001234567"
BATCH = 2_500  # measures per add_measures call (at most profile.MAX_BATCH)
EVERY = timedelta(hours=8)  # a scale used three times a day: 10,000 weights ≈ 9 years


# -- seeding --------------------------------------------------------------------------------


def scale(patient_id: str) -> Actor:
    """A connected scale's app, with the patient's consent (source "device")."""
    return Actor(kind=ActorKind.APP, subject_id="client:balance-bench",
                 display_name="Balance connectée", grants={patient_id: LegalBasis.APP_CONSENT},
                 scopes=frozenset({"patient/Observation.crs"}))


def weights(c: Container, patient_id: str) -> int:
    with c.factory() as s:
        return int(s.scalar(select(func.count()).select_from(Measure).where(
            Measure.patient_id == patient_id, Measure.type == MeasureKind.WEIGHT)) or 0)


def readings(count: int, newest: datetime) -> Iterator[MeasureInput]:
    rng = random.Random(5)
    for n in range(count - 1, -1, -1):  # oldest first
        value = round(70 + 3 * ((n % 1000) / 1000 - 0.5) + rng.gauss(0, 0.4), 1)
        yield MeasureInput(MeasureKind.WEIGHT, value, newest - n * EVERY)


def seed(c: Container, patient_id: str, target: int) -> dict[str, Any]:
    start, missing = time.perf_counter(), target - weights(c, patient_id)
    newest = c.clock.now() - timedelta(days=1)
    batch: list[NewMeasure] = []
    for reading in readings(missing, newest):
        batch.append(NewMeasure(patient_id, reading))
        if len(batch) == BATCH:
            profile.add_measures(c, scale(patient_id), batch)
            batch = []
    if batch:
        profile.add_measures(c, scale(patient_id), batch)
    seconds = time.perf_counter() - start
    settle(c.settings.effective_database_url)
    with c.factory() as s:
        total = int(s.scalar(select(func.count()).select_from(Measure).where(
            Measure.patient_id == patient_id)) or 0)
    return {"seeded": missing, "weights": weights(c, patient_id), "space_measures": total,
            "seconds": seconds, "measures_s": missing / seconds if seconds else 0.0}


def settle(url: str) -> None:
    """Months of syncs, not one burst: the planner knows the table, the WAL is written."""
    if url.startswith("sqlite"):
        with closing(sqlite3.connect(url.removeprefix("sqlite:///"))) as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            conn.execute("ANALYZE")
        return
    with psycopg.connect(url.replace("+psycopg", ""), autocommit=True) as pg:
        pg.execute("VACUUM ANALYZE measures")
        pg.execute("CHECKPOINT")


# -- sessions and requests ------------------------------------------------------------------


def person_session(c: Container, email: str) -> str:
    """Camille signs in as she would: password, then the code sent to her (the outbox)."""
    challenge = c.authenticator.start_person_login(email, demo.DEMO_PASSWORD, "127.0.0.1")
    with c.factory() as s:
        body = s.scalars(select(OutboxMessage.body).where(OutboxMessage.recipient == email)
                         .order_by(OutboxMessage.created_at.desc())).first()
    match = re.search(r"\b(\d{6})\b", body or "")
    assert match, "no login code in the outbox"
    return c.authenticator.finish_person_login(challenge.token, match.group(1), "127.0.0.1")


def requests(space: str) -> list[tuple[str, str, str]]:
    """(name, path, who): who is "patient" (Camille) or "professional" (Dr Durand)."""
    return [
        ("JSON history (count=20)", f"/api/spaces/{space}/measures/weight?count=20", "patient"),
        ("JSON chart series (all points)", f"/api/spaces/{space}/measures/weight/series",
         "patient"),
        ("measure page (HTML)", f"/espaces/{space}/profil/mesures/weight", "patient"),
        ("FHIR Observation search (_count=20)",
         f"/fhir/Observation?patient={space}&code=http://loinc.org|29463-7&_sort=-date"
         "&_count=20", "professional"),
    ]


def probe(http: httpx.Client, path: str) -> dict[str, Any]:
    """Warm the caches and look at the answer: its status, size and what it holds."""
    for _ in range(10):
        r = http.get(path)
        if r.status_code != 200:
            return {"status": r.status_code}
    sample: dict[str, Any] = {"status": 200, "bytes": len(r.content)}
    if r.headers.get("content-type", "").startswith(("application/json", "application/fhir")):
        body = r.json()
        for key in ("measures", "points", "entry"):
            if key in body:
                sample["entries"] = len(body[key])
        if "total" in body:
            sample["total"] = body["total"]
    return sample


def count_audit(c: Container) -> int:
    with c.factory() as s:
        return int(s.scalar(select(func.count()).select_from(AuditEvent)) or 0)


def latency(c: Container, base: str, tokens: dict[str, str], space: str,
            args: argparse.Namespace) -> list[dict[str, Any]]:
    results: list[dict[str, Any]] = []
    for name, path, who in requests(space):
        with httpx.Client(base_url=base, cookies={"es_session": tokens[who]},
                          timeout=60.0) as http:
            sample = probe(http, path)
        if sample["status"] != 200:
            note = "not built yet (404)" if sample["status"] == 404 else "error"
            results.append({"request": name, "path": path, "skipped": note, **sample})
            print(f"  {name}: skipped, HTTP {sample['status']}", flush=True)
            continue
        for connections in (1, args.connections):
            before = count_audit(c)
            r = wrk(base + path, tokens[who], args.duration, connections)
            results.append({"request": name, "path": path, "who": who, **r, **sample,
                            "audit_events": count_audit(c) - before})
            print(f"  {name}, {connections} connection(s): {r['rps']:.0f} req/s, "
                  f"p50 {r['p50_ms']:.1f} ms, p99 {r['p99_ms']:.1f} ms", flush=True)
    return results


# -- one database ---------------------------------------------------------------------------


def run_suite(label: str, url: str, data_dir: Path, args: argparse.Namespace) -> dict[str, Any]:
    print(f"{label}:", flush=True)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "ESPACE_SANTE_DATA_DIR": str(data_dir),
           "ESPACE_SANTE_DATABASE_URL": url, "ESPACE_SANTE_BASE_URL": base,
           "ESPACE_SANTE_RUN_WORKER_IN_PROCESS": "false"}
    for command in ("migrate", "demo"):
        subprocess.run([str(BIN / "espace-sante"), command], env=env, check=True, cwd=ROOT,
                       capture_output=True)
    c = build(Settings(data_dir=data_dir, database_url=url, base_url=base,
                       run_worker_in_process=False))
    try:
        space = space_ids(c)["Camille"]
        seeded = seed(c, space, args.measures)
        print(f"  seeded {seeded['seeded']:,} weights in {seeded['seconds']:.1f} s "
              f"({seeded['measures_s']:,.0f}/s); the space holds {seeded['space_measures']:,} "
              "measures", flush=True)
        tokens = {"patient": person_session(c, demo.PEOPLE[0].email),
                  "professional": c.authenticator.professional_login(DR_DURAND)}
        load = os.getloadavg()[0]  # the machine may be shared: say how busy it was
        with server(env, port, data_dir / "server.log"):
            results = latency(c, base, tokens, space, args)
    finally:
        c.engine.dispose()
    return {"seed": seeded, "load_average": load, "latency": results}


def on_sqlite(args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        return run_suite("SQLite", f"sqlite:///{tmp}/bench.db", Path(tmp), args)


def on_postgres(args: argparse.Namespace) -> dict[str, Any]:
    with postgres_database(args.postgres, "es_bench_profile") as url, \
            tempfile.TemporaryDirectory() as tmp:
        return run_suite("PostgreSQL", url, Path(tmp), args)


# -- reports --------------------------------------------------------------------------------


def markdown(report: dict[str, Any]) -> list[str]:
    runs: dict[str, dict[str, Any]] = report["runs"]
    out = [f"\n## {report['date']} · {report['cores']} cores · Python {report['python']}\n",
           "| database | request (weights of a patient with 10,000) | connections "
           "| requests/s | p50 ms | p99 ms | errors | audit events | entries/total | bytes |",
           "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    skipped = []
    for db, r in runs.items():
        for x in r["latency"]:
            if "skipped" in x:
                skipped.append(f"{db}: {x['request']} `{x['path']}`: {x['skipped']}")
                continue
            shown = "/".join(f"{x[k]:,}" for k in ("entries", "total") if k in x)
            out.append(f"| {db} | {x['request']} | {x['connections']} | {x['rps']:,.0f} "
                       f"| {x['p50_ms']:.1f} | **{x['p99_ms']:.1f}** | {x['errors']:.0f} "
                       f"| {x['audit_events']:,} | {shown} | {x['bytes']:,} |")
    out += ["", "| database | weights seeded | through add_measures, s | measures/s "
            "| weights of the space | measures of the space (BMI and demo included) "
            "| load average (1 min) before wrk |",
            "|---|---:|---:|---:|---:|---:|---:|"]
    for db, r in runs.items():
        s = r["seed"]
        out.append(f"| {db} | {s['seeded']:,} | {s['seconds']:.1f} | {s['measures_s']:,.0f} "
                   f"| {s['weights']:,} | {s['space_measures']:,} | {r['load_average']:.1f} |")
    if skipped:
        out += ["", "Skipped (they answered 404 when this ran):", ""]
        out += [f"- {line}" for line in skipped]
    return out


def write_markdown(report: dict[str, Any]) -> None:
    if not REPORT_MD.exists():
        REPORT_MD.write_text(
            "# Profile benchmark\n\nWritten by `bench/measures.py`, against the real server "
            "(`espace-sante serve`, one process, background worker off) on 127.0.0.1, once "
            "on SQLite and once on PostgreSQL. Camille's space holds 10,000 weights (the "
            "demo's, then a connected scale's readings every 8 hours, seeded through "
            "`profile.add_measures` in batches, so each with its BMI). wrk, with 1 then 8 "
            "connections, on the JSON history (`count=20`), the chart series (all 10,000 "
            "points), the measure page and the FHIR Observation search by LOINC code "
            "(`_sort=-date&_count=20`); the JSON requests and the page as Camille, the FHIR "
            "search as Dr Durand, every request checked by the policy and audited. A URL "
            "answering 404 (not built yet when it ran) is listed as skipped.\n",
            encoding="utf-8")
    lines = markdown(report)
    with REPORT_MD.open("a", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=int, default=5, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--measures", type=int, default=10_000, help="weights of the space")
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432")
    args = parser.parse_args()
    started = time.perf_counter()
    runs = {}
    if args.only != "postgresql":
        runs["SQLite"] = on_sqlite(args)
    if args.only != "sqlite":
        runs["PostgreSQL"] = on_postgres(args)
    report = {"date": f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC", "cores": os.cpu_count(),
              "python": platform.python_version(), "parameters": vars(args),
              "seconds": time.perf_counter() - started, "runs": runs}
    write_json(report, "profile")
    write_markdown(report)


if __name__ == "__main__":
    main()
