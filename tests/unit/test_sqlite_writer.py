"""SQLite writers queue on a lock of the process, released by commit and rollback alike."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from sqlalchemy import text

from espace_sante.core.db import make_engine


def test_a_second_writer_waits_then_goes_at_once(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path}/w.db")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (v INTEGER)"))
    started, got = threading.Event(), []

    def second() -> None:
        started.set()
        with engine.begin() as conn:
            got.append(time.perf_counter())
            conn.execute(text("INSERT INTO t VALUES (2)"))

    with engine.begin() as conn:
        conn.execute(text("INSERT INTO t VALUES (1)"))
        thread = threading.Thread(target=second)
        thread.start()
        started.wait()
        time.sleep(0.3)  # SQLite's own busy handler would be sleeping 25-50 ms at a time
        assert not got  # still queued behind this transaction
    released = time.perf_counter()
    thread.join(timeout=5)
    assert got and got[0] - released < 0.015  # woken at once, not at its next poll
    engine.dispose()


def test_a_failed_transaction_releases_the_lock(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path}/w.db")
    try:
        with engine.begin() as conn:
            conn.execute(text("SELECT no_such_function()"))
    except Exception:
        pass
    with engine.begin() as conn:  # would wait 30 s if the lock were still held
        assert conn.execute(text("SELECT 1")).scalar() == 1
    engine.dispose()
