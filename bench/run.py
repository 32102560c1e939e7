"""Benchmarks: start the real server and a bare baseline on 127.0.0.1, load both with wrk
in the same run, write bench/report.md with the ratios.

Bounded: each workload runs for DURATION seconds with CONNECTIONS connections, loopback
only. Usage: python bench/run.py [--duration 10] [--postgres URL]
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import psycopg
from sqlalchemy import func, select

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
REPORT = ROOT / "bench" / "report.md"


@dataclass
class Result:
    name: str
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_ready(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"server at {url} did not become ready")


def start(args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(args, env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def wrk(name: str, url: str, duration: int, connections: int, headers: list[str]) -> Result:
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", "--timeout", "5s"]
    for h in headers:
        cmd += ["-H", h]
    out = subprocess.run([*cmd, url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", out))
    return Result(name, rps, _latency(out, "50%"), _latency(out, "99%"), errors)


def _latency(out: str, pct: str) -> float:
    m = re.search(rf"{re.escape(pct)}\s+([\d.]+)(us|ms|s)", out)
    if not m:
        return float("nan")
    value, unit = float(m.group(1)), m.group(2)
    return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value


def prepare(env: dict[str, str]) -> tuple[str, str]:
    """Migrate, load the demo, sign Camille in through the real flow; return (cookie, id)."""
    subprocess.run([str(BIN / "espace-sante"), "migrate"], env=env, check=True, cwd=ROOT,
                   capture_output=True)
    subprocess.run([str(BIN / "espace-sante"), "demo"], env=env, check=True, cwd=ROOT,
                   capture_output=True)
    os.environ.update(env)
    from espace_sante import demo
    from espace_sante.bootstrap import build
    from espace_sante.core.notify import OutboxMessage
    from espace_sante.settings import Settings

    c = build(Settings())
    email = demo.PEOPLE[0].email
    challenge = c.authenticator.start_person_login(email, demo.DEMO_PASSWORD, "127.0.0.1")
    with c.factory() as s:
        body = s.scalars(select(OutboxMessage.body).where(OutboxMessage.recipient == email)
                         .order_by(OutboxMessage.created_at.desc())).first()
    code = re.search(r"\b(\d{6})\b", body or "").group(1)  # type: ignore[union-attr]
    token = c.authenticator.finish_person_login(challenge.token, code, "127.0.0.1")
    actor = c.authenticator.resolve(token)
    assert actor is not None and actor.own_patient_id
    c.engine.dispose()
    return token, actor.own_patient_id


def audit_count(env: dict[str, str]) -> int:
    from espace_sante.core.audit import AuditEvent
    from espace_sante.core.db import make_engine, make_session_factory
    from espace_sante.settings import Settings

    engine = make_engine(Settings().effective_database_url)
    with make_session_factory(engine)() as s:
        n = s.scalar(select(func.count()).select_from(AuditEvent)) or 0
    engine.dispose()
    return int(n)


def run_suite(label: str, env: dict[str, str], duration: int, connections: int) -> list[Result]:
    app_port, hello_port = free_port(), free_port()
    env = {**env, "ESPACE_SANTE_BASE_URL": f"http://127.0.0.1:{app_port}"}
    token, pid = prepare(env)
    server = start([str(BIN / "espace-sante"), "serve", "--port", str(app_port)], env)
    hello = start([str(BIN / "uvicorn"), "bench.hello:app", "--port", str(hello_port),
                   "--log-level", "warning"], env)
    try:
        wait_ready(f"http://127.0.0.1:{app_port}/healthz")
        wait_ready(f"http://127.0.0.1:{hello_port}/hello")
        cookie = [f"Cookie: es_session={token}"]
        before = audit_count(env)
        results = [
            wrk(f"{label}: hello-world baseline", f"http://127.0.0.1:{hello_port}/hello",
                duration, connections, []),
            wrk(f"{label}: /healthz", f"http://127.0.0.1:{app_port}/healthz",
                duration, connections, []),
            wrk(f"{label}: /fhir/Patient/{{id}} (session, policy, audit)",
                f"http://127.0.0.1:{app_port}/fhir/Patient/{pid}", duration, connections,
                cookie),
        ]
        audited = audit_count(env) - before
        print(f"{label}: {audited} audit events written during the FHIR read workload")
        results[-1].name += f" — {audited} audit events"
        return results
    finally:
        for p in (server, hello):
            p.terminate()
            p.wait(timeout=10)


def write_report(results: list[Result], duration: int, connections: int) -> None:
    lines = [
        "# Benchmark report",
        "",
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC · {os.cpu_count()} cores · wrk, 2 threads, "
        f"{connections} connections, {duration} s per workload · one uvicorn worker each, "
        "loopback only. Ratios are to the hello-world baseline measured in the same run.",
        "",
        "| workload | requests/s | p50 ms | p99 ms | non-2xx | ratio to baseline |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    baseline = 1.0
    for r in results:
        if "baseline" in r.name:
            baseline = r.rps
        lines.append(f"| {r.name} | {r.rps:,.0f} | {r.p50_ms:.1f} | {r.p99_ms:.1f} | "
                     f"{r.errors} | {r.rps / baseline:.2f} |")
    REPORT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432")
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "ESPACE_SANTE_DATA_DIR": tmp,
               "ESPACE_SANTE_DATABASE_URL": f"sqlite:///{tmp}/bench.db"}
        results += run_suite("SQLite", env, args.duration, args.connections)
    name = f"es_bench_{os.getpid()}"
    with psycopg.connect(f"{args.postgres}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        with tempfile.TemporaryDirectory() as tmp:
            url = args.postgres.replace("postgresql://", "postgresql+psycopg://") + f"/{name}"
            env = {**os.environ, "ESPACE_SANTE_DATA_DIR": tmp, "ESPACE_SANTE_DATABASE_URL": url}
            results += run_suite("PostgreSQL", env, args.duration, args.connections)
    finally:
        with psycopg.connect(f"{args.postgres}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    write_report(results, args.duration, args.connections)


if __name__ == "__main__":
    main()
