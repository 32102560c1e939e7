"""Dossier benchmarks against the real server, on SQLite and on PostgreSQL.

For each database: migrate, load the demo, seed 200,000 document rows (bulk inserts, not
measured), start ``espace-sante serve`` (background worker off) on 127.0.0.1, and, with
Dr Durand's professional session (policy and audit as in production):

1. the data directory's sequential write rate (1 MiB blocks, one fsync at the end);
2. the peak server RSS growth while one ~100 MB PDF is uploaded (/proc VmRSS and VmHWM);
3. PDF ingestion through ``POST /api/spaces/{id}/documents``: 1 client, then 4 clients on
   4 spaces, then 4 clients on one space, the same ~200 MB of 0.2-5 MB PDFs each time;
   then 4 clients on 4 spaces against a server of one process per core (production);
4. list and search latency with wrk on the space holding 2,000 of the 200,000 documents.

Writes the key "dossier" of bench/report.json and appends to bench/dossier-report.md.
MB is 2**20 bytes. Usage: python bench/dossier.py [--duration 10] [--postgres URL]
"""

from __future__ import annotations

import argparse
import io
import json
import math
import os
import platform
import random
import re
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing, contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import psycopg
from fpdf import FPDF
from PIL import Image
from sqlalchemy import func, select

from espace_sante import demo
from espace_sante.accounts.ins import control_key
from espace_sante.accounts.models import CareRelationship, CareRole, Patient
from espace_sante.bootstrap import Container, build
from espace_sante.core.audit import AuditEvent
from espace_sante.core.bulk import insert_rows
from espace_sante.dossier import content
from espace_sante.dossier.codes import DOC_TYPES, SYSTEM_MAX_BYTES, Format
from espace_sante.dossier.models import Document
from espace_sante.dossier.search import head, normalise
from espace_sante.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
REPORT_JSON = ROOT / "bench" / "report.json"
REPORT_MD = ROOT / "bench" / "dossier-report.md"
MB = 1 << 20
DR_DURAND = "10001234567"  # médecin traitant of every demo space
PAGE_BYTES = 5 * MB  # a scanned page's image at most: pypdf refuses streams over 75 MB
JPEG_RATIO = 0.39  # JPEG bytes per raw RGB byte of noise at quality 95 (measured)
WORDS = ("patient", "consultation", "tension", "hypertension", "diabète", "bilan", "suivi",
         "traitement", "examen", "clinique", "douleur", "thoracique", "antécédents", "allergie",
         "radiographie", "normale", "cardiaque", "rénale", "hépatique", "ordonnance")
Row = dict[str, Any]


# -- files ---------------------------------------------------------------------------------


def noise_jpeg(size: int, width: int = 2048) -> io.BytesIO:
    """A JPEG of about ``size`` bytes: noise does not compress, and fpdf2 embeds JPEGs as is."""
    height = max(8, round(size / JPEG_RATIO / (width * 3)))
    image = Image.frombytes("RGB", (width, height), os.urandom(width * height * 3))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=95)
    return out


def scan_pdf(path: Path, size: int) -> int:
    """A scan-like PDF of about ``size`` bytes: per page, a paragraph and a noise image."""
    pages = max(1, math.ceil(size / PAGE_BYTES))
    pdf = FPDF()
    pdf.set_font("helvetica", size=11)
    for n in range(pages):
        pdf.add_page()
        pdf.multi_cell(w=0, text=f"Compte rendu de consultation, page {n + 1}. "
                                 + " ".join(random.choices(WORDS, k=60)))
        pdf.image(noise_jpeg(size // pages), x=10, y=80, w=190)
    data = bytes(pdf.output())
    path.write_bytes(data)
    return len(data)


def accepted(path: Path, tmp: Path) -> None:
    """The server's own content check, so that a refusal is not measured as throughput."""
    with path.open("rb") as f:
        received = content.receive(iter(lambda: f.read(MB), b""), limit=SYSTEM_MAX_BYTES,
                                   tmp_dir=tmp)
    try:
        found = content.inspect(received, allowed=frozenset(Format))
        assert found.format is Format.PDF and found.text, path
    finally:
        content.discard(received)


def make_files(directory: Path, count: int, total_mb: int, big_mb: int) -> tuple[list[Path], Path]:
    """``count`` PDFs of 0.2 to 5 MB (evenly spread, about ``total_mb`` MB) and a big one."""
    scale = total_mb * MB / (count * 2.6 * MB)
    sizes = [round((0.2 + 4.8 * i / max(count - 1, 1)) * MB * scale) for i in range(count)]
    files = []
    for i, size in enumerate(sizes):
        files.append(directory / f"cr-{i:03d}.pdf")
        scan_pdf(files[-1], max(size, 150_000))
    big = directory / "dossier-complet.pdf"
    scan_pdf(big, big_mb * MB)
    for path in [*files, big]:
        accepted(path, directory / "check")
    return files, big


# -- database ------------------------------------------------------------------------------


def space_ids(c: Container) -> dict[str, str]:
    """Camille, Thomas, Jeanne and Léa's spaces, by first name."""
    ids = {}
    with c.factory() as s:
        for p in (*demo.PEOPLE, demo.CHILD):
            ids[p.first_names.split()[0]] = s.scalars(
                select(Patient.id).where(Patient.nir.startswith(p.nir13))).one()
    return ids


def seed_spaces(c: Container, count: int) -> list[str]:
    """``count`` active spaces followed by Dr Durand (médecin traitant)."""
    now, patients, care = c.clock.now(), list[Row](), list[Row]()
    for i in range(count):
        nir13 = f"185017505{i:04d}"
        patients.append({"id": str(uuid.uuid4()), "nir": nir13 + control_key(nir13),
                         "birth_family_name": "Bench", "first_names": f"Patient {i}",
                         "birth_date": date(1985, 1, 1), "sex": "M", "birth_place_code": "75056",
                         "state": "active", "created_at": now})
        care.append({"id": str(uuid.uuid4()), "patient_id": patients[-1]["id"], "rpps": DR_DURAND,
                     "role": CareRole.MEDECIN_TRAITANT.value, "declared_by": "patient",
                     "created_at": now})
    with c.factory() as s:
        insert_rows(s, Patient.__table__, patients)  # type: ignore[arg-type]
        insert_rows(s, CareRelationship.__table__, care)  # type: ignore[arg-type]
        s.commit()
    return [p["id"] for p in patients]


def document_rows(patient_id: str, count: int, now: datetime) -> Iterator[Row]:
    """A space's documents, one every 20 hours back from now; the blob key is a dummy
    (lists and searches never open blobs)."""
    types = list(DOC_TYPES.values())
    texts = [" ".join(random.choices(WORDS, k=250)) for _ in range(64)]  # ~2 KB each
    for n in range(count):
        t, at = types[n % len(types)], now - timedelta(hours=20 * n)
        yield {"id": str(uuid.uuid4()), "patient_id": patient_id,
               "unique_id": f"urn:uuid:{uuid.uuid4()}", "title": f"{t.display} n°{n}",
               "category": t.category.value, "class_code": t.class_code, "type_code": t.code,
               "act_date": at.date(), "author_name": "Marc Durand", "author_rpps": DR_DURAND,
               "author_organisation": None, "author_organisation_id": None,
               "author_profession": "Médecin", "depositor_id": f"rpps:{DR_DURAND}",
               "source": "professional", "format": Format.PDF.value,
               "file_name": f"cr-{n}.pdf", "size": 250_000, "sha256": "0" * 64,
               "blob_key": f"patients/{patient_id}/seed", "preview_blob_key": None,
               "status": "current", "masked_from_professionals": False,
               "invisible_to_patient": False, "invisible_to_representatives": False,
               "folder_id": None, "replaces_id": None, "replaced_by_id": None,
               "search_text": normalise(texts[n % 64]),
               "search_head": head(f"{t.display} n°{n}", "Marc Durand", None),
               "created_at": at,
               "updated_at": at, "deleted_at": None}


def seed_documents(c: Container, spread: dict[str, int], batch: int = 20_000) -> float:
    start, now, rows = time.perf_counter(), c.clock.now(), list[Row]()
    with c.factory() as s:
        for patient_id, count in spread.items():
            for row in document_rows(patient_id, count, now):
                rows.append(row)
                if len(rows) == batch:
                    insert_rows(s, Document.__table__, rows)  # type: ignore[arg-type]
                    s.commit()
                    rows = []
        insert_rows(s, Document.__table__, rows)  # type: ignore[arg-type]
        s.commit()
    settle(c.settings.effective_database_url)
    return time.perf_counter() - start


def settle(url: str) -> None:
    """Months of deposits, not one burst: autovacuum would have analysed the table, and
    the burst's WAL would not be waiting for a checkpoint."""
    if url.startswith("sqlite"):
        with closing(sqlite3.connect(url.removeprefix("sqlite:///"))) as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return
    with psycopg.connect(url.replace("+psycopg", ""), autocommit=True) as pg:
        pg.execute("VACUUM ANALYZE documents")
        pg.execute("CHECKPOINT")


def spaces_of(c: Container, rpps: str) -> list[str]:
    with c.factory() as s:
        return list(s.scalars(select(CareRelationship.patient_id)
                              .where(CareRelationship.rpps == rpps)))


def count(c: Container, model: type[Any]) -> int:
    with c.factory() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


# -- server and load -----------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def server(env: dict[str, str], port: int, log: Path, workers: int = 1) -> Iterator[int]:
    """The real server (``espace-sante serve``, one process unless ``workers``); yields
    its pid (with workers, the supervisor's)."""
    with log.open("wb") as out:
        proc = subprocess.Popen([str(BIN / "espace-sante"), "serve", "--port", str(port),
                                 "--workers", str(workers)],
                                env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 30
            while not _ready(f"http://127.0.0.1:{port}/healthz"):
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError(f"server did not start, see {log}")
                time.sleep(0.2)
            yield proc.pid
        finally:
            proc.terminate()
            proc.wait(timeout=15)


def _ready(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1.0).status_code == 200
    except httpx.HTTPError:
        return False


def client(base: str, token: str) -> httpx.Client:
    return httpx.Client(base_url=base, cookies={"es_session": token}, timeout=300.0)


def upload(http: httpx.Client, space: str, path: Path) -> bool:
    with path.open("rb") as f:
        r = http.post(f"/api/spaces/{space}/documents",
                      data={"title": f"Compte rendu {path.stem}", "type_code": "11488-4"},
                      files={"file": (path.name, f, "application/pdf")})
    return r.status_code == 201


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def ingest(base: str, token: str, pid: int,
           jobs: list[list[tuple[str, Path]]]) -> dict[str, float]:
    """Each job is one client's uploads, in order; every client starts at once. Also the
    server's CPU time (one process: a busy interpreter lock shows as ~100 %)."""
    def run(job: list[tuple[str, Path]]) -> list[bool]:
        with client(base, token) as http:
            return [upload(http, space, path) for space, path in job]

    start, cpu = time.perf_counter(), cpu_seconds(pid)
    with ThreadPoolExecutor(len(jobs)) as pool:
        outcomes = [ok for oks in pool.map(run, jobs) for ok in oks]
    seconds, cpu = time.perf_counter() - start, cpu_seconds(pid) - cpu
    size = sum(path.stat().st_size for job in jobs for _, path in job) / MB
    return {"clients": len(jobs), "uploads": len(outcomes), "errors": outcomes.count(False),
            "mb": size, "seconds": seconds, "mb_s": size / seconds,
            "docs_s": len(outcomes) / seconds, "server_cpu_pct": 100 * cpu / seconds}


def memory_kib(pid: int) -> dict[str, int]:
    status = Path(f"/proc/{pid}/status").read_text()
    return {k: int(v.split()[0]) for k, v in re.findall(r"^(VmRSS|VmHWM):\s+(.+)$", status, re.M)}


def big_upload(base: str, token: str, pid: int, space: str, path: Path) -> dict[str, float]:
    """Peak RSS of the server while ``path`` is uploaded: VmRSS sampled every 5 ms, and
    VmHWM (the kernel's own peak), reset just before when the kernel allows it."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
        reset = True
    except OSError:
        reset = False
    before, peak, done = memory_kib(pid), [0], threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], memory_kib(pid)["VmRSS"])
            time.sleep(0.005)

    sampler = threading.Thread(target=sample)
    sampler.start()
    start = time.perf_counter()
    with client(base, token) as http:
        ok = upload(http, space, path)
    seconds, after = time.perf_counter() - start, memory_kib(pid)
    done.set()
    sampler.join()
    top = max(peak[0], after["VmHWM"] if reset else 0)
    return {"mb": path.stat().st_size / MB, "ok": ok, "seconds": seconds,
            "rss_before_mb": before["VmRSS"] / 1024, "rss_peak_mb": top / 1024,
            "rss_after_mb": after["VmRSS"] / 1024, "growth_mb": (top - before["VmRSS"]) / 1024,
            "hwm_reset": reset}


def wrk(url: str, token: str, duration: int, connections: int) -> dict[str, float]:
    threads = min(connections, 2)
    out = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency",
         "--timeout", "5s", "-H", f"Cookie: es_session={token}", url],
        capture_output=True, text=True, check=True).stdout
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)",
                        out)
    return {"connections": connections, "rps": _number(r"Requests/sec:\s+([\d.]+)", out),
            "requests": _number(r"(\d+) requests in", out),
            "p50_ms": _latency(out, "50%"), "p99_ms": _latency(out, "99%"),
            "errors": _number(r"Non-2xx or 3xx responses: (\d+)", out)
            + (sum(int(n) for n in sockets.groups()) if sockets else 0)}


def _number(pattern: str, out: str) -> float:
    m = re.search(pattern, out)
    return float(m.group(1)) if m else 0.0


def _latency(out: str, pct: str) -> float:
    m = re.search(rf"^\s+{re.escape(pct)}\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
    if not m:
        return float("nan")
    value, unit = float(m.group(1)), m.group(2)
    return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value


# -- one database ----------------------------------------------------------------------------


def disk_write_rate(directory: Path, megabytes: int) -> float:
    """MB/s of a sequential write of ``megabytes`` MiB in 1 MiB blocks, fsync included."""
    block, path = os.urandom(MB), directory / "disk-probe.bin"
    start = time.perf_counter()
    with path.open("wb") as f:
        for _ in range(megabytes):
            f.write(block)
        f.flush()
        os.fsync(f.fileno())
    seconds = time.perf_counter() - start
    path.unlink()
    return megabytes / seconds


def seed(c: Container, measured: str, args: argparse.Namespace) -> tuple[dict[str, Any], list[str]]:
    others = seed_spaces(c, args.spaces)
    with c.factory() as s:  # the demo's own documents count too
        demo_docs = int(s.scalar(select(func.count()).where(Document.patient_id == measured))
                        or 0)
    already = count(c, Document)
    per, extra = divmod(args.documents - already - args.space_documents + demo_docs,
                        len(others))
    spread = {measured: args.space_documents - demo_docs,
              **{pid: per + (i < extra) for i, pid in enumerate(others)}}
    seconds = seed_documents(c, spread)
    return {"documents": count(c, Document), "measured_space": args.space_documents,
            "other_spaces": len(others), "per_other_space": per, "seconds": seconds,
            "spaces_of_dr_durand": len(spaces_of(c, DR_DURAND))}, others


def latency(c: Container, base: str, token: str, space: str,
            args: argparse.Namespace) -> list[dict[str, Any]]:
    requests = (
        ("JSON list", f"/api/spaces/{space}/documents?count=20", "documents"),
        ("FHIR search", f"/fhir/DocumentReference?patient={space}&_sort=-date&_count=20",
         "entry"),
        ("JSON text search (q=hypertension)",
         f"/api/spaces/{space}/documents?count=20&q=hypertension", "documents"),
    )
    results = []
    with client(base, token) as http:
        for name, path, entries in requests:
            for _ in range(20):  # warm the caches, check the answer
                body = http.get(path).raise_for_status().json()
            sample = {"entries": len(body.get(entries, [])), "total": body["total"]}
            for connections in (1, args.connections)[: 1 if "text" in name else 2]:
                before = count(c, AuditEvent)
                r = wrk(base + path, token, args.duration, connections)
                results.append({"request": name, **r, **sample,
                                "audit_events": count(c, AuditEvent) - before})
                print(f"  {name}, {connections} connection(s): {r['rps']:.0f} req/s, "
                      f"p50 {r['p50_ms']:.1f} ms, p99 {r['p99_ms']:.1f} ms", flush=True)
    return results


def measure(c: Container, base: str, token: str, pid: int, spaces: dict[str, str],
            others: list[str], files: list[Path], big: Path,
            args: argparse.Namespace) -> dict[str, Any]:
    thomas = spaces["Thomas"]
    four = [thomas, spaces["Jeanne"], spaces["Léa"], others[0]]
    with client(base, token) as http:
        assert upload(http, thomas, files[0]), "warm-up upload refused"
    memory = big_upload(base, token, pid, thomas, big)
    print(f"  {memory['mb']:.0f} MB upload: RSS +{memory['growth_mb']:.0f} MB", flush=True)
    phases = {"1 client": [[(thomas, f) for f in files]],
              "4 clients, 4 spaces": [[(s, f) for f in files[k::4]] for k, s in enumerate(four)],
              "4 clients, 1 space": [[(thomas, f) for f in files[k::4]] for k in range(4)]}
    ingestion = {}
    for name, jobs in phases.items():
        ingestion[name] = ingest(base, token, pid, jobs)
        print(f"  ingestion, {name}: {ingestion[name]['mb_s']:.1f} MB/s", flush=True)
    return {"memory": memory, "ingestion": ingestion,
            "latency": latency(c, base, token, spaces["Camille"], args),
            "documents_after": count(c, Document)}


def per_core(env: dict[str, str], data_dir: Path, spaces: dict[str, str],
             others: list[str], files: list[Path], token: str) -> dict[str, Any]:
    """Ingestion again with one server process per core, as in production (stateless
    web processes behind a balancer); the server's CPU is not summed over processes."""
    cores = os.cpu_count() or 1
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**env, "ESPACE_SANTE_BASE_URL": base}
    four = [spaces["Thomas"], spaces["Jeanne"], spaces["Léa"], others[0]]
    results = {}
    with server(env, port, data_dir / "server-workers.log", workers=cores) as pid:
        time.sleep(2)  # every worker up
        name = f"4 clients, 4 spaces, {cores} server processes"
        jobs = [[(s, f) for f in files[k::4]] for k, s in enumerate(four)]
        results[name] = ingest(base, token, pid, jobs)
        print(f"  ingestion, {name}: {results[name]['mb_s']:.1f} MB/s", flush=True)
    return results


def run_suite(label: str, url: str, data_dir: Path, files: list[Path], big: Path,
              args: argparse.Namespace) -> dict[str, Any]:
    print(f"{label}:", flush=True)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "ESPACE_SANTE_DATA_DIR": str(data_dir),
           "ESPACE_SANTE_DATABASE_URL": url, "ESPACE_SANTE_BASE_URL": base,
           "ESPACE_SANTE_RUN_WORKER_IN_PROCESS": "false"}
    for command in ("migrate", "demo"):
        subprocess.run([str(BIN / "espace-sante"), command], env=env, check=True, cwd=ROOT,
                       capture_output=True)
    disk = disk_write_rate(data_dir, args.disk_mb)
    print(f"  disk: {disk:.0f} MB/s", flush=True)
    c = build(Settings(data_dir=data_dir, database_url=url, base_url=base,
                       run_worker_in_process=False))
    try:
        spaces = space_ids(c)
        seeded, others = seed(c, spaces["Camille"], args)
        print(f"  seeded {seeded['documents']:,} documents in {seeded['seconds']:.0f} s",
              flush=True)
        token = c.authenticator.professional_login(DR_DURAND)
        with server(env, port, data_dir / "server.log") as pid:
            figures = measure(c, base, token, pid, spaces, others, files, big, args)
        figures["ingestion"].update(per_core(env, data_dir, spaces, others, files, token))
    finally:
        c.engine.dispose()
    return {"disk_write_mb_s": disk, "seed": seeded, **figures}


def on_sqlite(files: list[Path], big: Path, args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        return run_suite("SQLite", f"sqlite:///{tmp}/bench.db", Path(tmp), files, big, args)


def on_postgres(files: list[Path], big: Path, args: argparse.Namespace) -> dict[str, Any]:
    with postgres_database(args.postgres, "es_bench_dossier") as url, \
            tempfile.TemporaryDirectory() as tmp:
        return run_suite("PostgreSQL", url, Path(tmp), files, big, args)


@contextmanager
def postgres_database(server: str, prefix: str) -> Iterator[str]:
    """A database of its own for one run, dropped afterwards; yields its SQLAlchemy URL."""
    name = f"{prefix}_{os.getpid()}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield server.replace("postgresql://", "postgresql+psycopg://") + f"/{name}"
    finally:
        with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# -- reports -----------------------------------------------------------------------------------


def write_json(report: dict[str, Any], key: str = "dossier") -> None:
    """Under its own key: the other benchmarks' keys stay."""
    merged = json.loads(REPORT_JSON.read_text(encoding="utf-8")) if REPORT_JSON.exists() else {}
    merged[key] = report
    REPORT_JSON.write_text(json.dumps(merged, indent=2, ensure_ascii=False) + "\n",
                           encoding="utf-8")


def markdown(report: dict[str, Any]) -> list[str]:
    runs: dict[str, dict[str, Any]] = report["runs"]
    out = [f"\n## {report['date']} · {report['cores']} cores · Python {report['python']}\n",
           "| database | workload | uploads | MB | seconds | MB/s | documents/s "
           "| % of disk write rate | server CPU % | errors |",
           "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for db, r in runs.items():
        disk = r["disk_write_mb_s"]
        out.append(f"| {db} | disk: sequential write, 1 MiB blocks, fsync "
                   f"| | {report['parameters']['disk_mb']} | | **{disk:,.0f}** | | 100 | | |")
        for name, i in r["ingestion"].items():
            out.append(f"| {db} | upload PDFs, {name} | {i['uploads']} | {i['mb']:.0f} "
                       f"| {i['seconds']:.1f} | **{i['mb_s']:.1f}** | {i['docs_s']:.1f} "
                       f"| {100 * i['mb_s'] / disk:.0f} | {i['server_cpu_pct']:.0f} "
                       f"| {i['errors']} |")
    out += ["", "| database | request (space of 2,000 among all documents) | connections "
            "| requests/s | p50 ms | p99 ms | errors | audit events | entries / total |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for db, r in runs.items():
        out += [f"| {db} ({r['seed']['documents']:,} documents) | {x['request']} "
                f"| {x['connections']} | {x['rps']:,.0f} | {x['p50_ms']:.1f} "
                f"| **{x['p99_ms']:.1f}** | {x['errors']:.0f} | {x['audit_events']:,} "
                f"| {x['entries']} / {x['total']:,} |" for x in r["latency"]]
    out += ["", "| database | upload | seconds | server RSS before MB | peak MB | growth MB |",
            "|---|---:|---:|---:|---:|---:|"]
    for db, r in runs.items():
        m = r["memory"]
        out.append(f"| {db} | {m['mb']:.0f} MB PDF{'' if m['ok'] else ' (REFUSED)'} "
                   f"| {m['seconds']:.1f} | {m['rss_before_mb']:.0f} | {m['rss_peak_mb']:.0f} "
                   f"| **{m['growth_mb']:+.0f}** |")
    s = next(iter(runs.values()))["seed"]
    out.append(f"\nSeeded: {s['measured_space']:,} documents in Camille's space (measured), "
               f"{s['per_other_space']:,} in each of {s['other_spaces']} other spaces; Dr Durand "
               f"follows {s['spaces_of_dr_durand']} spaces (his actor is built from them at "
               f"every request). The uploads above come on top.")
    return out


def write_markdown(report: dict[str, Any]) -> None:
    if not REPORT_MD.exists():
        REPORT_MD.write_text(
            "# Dossier benchmark\n\nWritten by `bench/dossier.py`, against the real server "
            "(`espace-sante serve`, one process, background worker off) on 127.0.0.1, once "
            "on SQLite and once on PostgreSQL, every request signed in as Dr Durand "
            "(professional session cookie), checked by the policy and audited. Ingestion: "
            "scan-like PDFs of 0.2 to 5 MB (a paragraph and a noise JPEG per page, accepted "
            "by the server's content check) uploaded through `POST /api/spaces/{id}/documents`"
            " by 1 client, then 4 clients on 4 spaces, then 4 clients on one space, compared "
            "with the data directory's sequential write rate measured in the same run (target "
            "≥ 20 %). Lists: wrk on `GET /api/spaces/{id}/documents?count=20`, "
            "`GET /fhir/DocumentReference?patient=<id>&_sort=-date&_count=20` and a text "
            "search, on a space of 2,000 among 200,000 documents seeded by bulk insert "
            "(target p99 < 50 ms). Memory: server RSS growth while one ~100 MB PDF of 20 "
            "pages is uploaded (it is streamed: it must not grow by ~100 MB). MB = 2^20 "
            "bytes.\n", encoding="utf-8")
    lines = markdown(report)
    with REPORT_MD.open("a", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--documents", type=int, default=200_000)
    parser.add_argument("--space-documents", type=int, default=2_000)
    parser.add_argument("--spaces", type=int, default=199, help="seeded spaces besides it")
    parser.add_argument("--uploads", type=int, default=80, help="PDFs per ingestion run")
    parser.add_argument("--upload-mb", type=int, default=200, help="their total size")
    parser.add_argument("--big-mb", type=int, default=100)
    parser.add_argument("--disk-mb", type=int, default=512)
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432")
    args = parser.parse_args()
    started = time.perf_counter()
    runs = {}
    with tempfile.TemporaryDirectory() as tmp:
        files, big = make_files(Path(tmp), args.uploads, args.upload_mb, args.big_mb)
        if args.only != "postgresql":
            runs["SQLite"] = on_sqlite(files, big, args)
        if args.only != "sqlite":
            runs["PostgreSQL"] = on_postgres(files, big, args)
    report = {"date": f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC", "cores": os.cpu_count(),
              "python": platform.python_version(), "parameters": vars(args),
              "seconds": time.perf_counter() - started, "runs": runs}
    write_json(report)
    write_markdown(report)


if __name__ == "__main__":
    main()
