"""Bulk provisioning: create the pending spaces of every insured person in a register file.

The use case behind ``espace-sante provision FILE`` and ``POST /api/provisioning``. Only
the Assurance Maladie provisions: an operator (basis ``operator_mandate``) or the
insurer's system client holding the ``system/Provisioning.c`` scope (``system_feed``).

- **Idempotent**: a NIR already known changes nothing (``unchanged``); the same file (same
  SHA-256) is the same run, so importing it again creates nothing.
- **Resumable**: lines are committed in batches together with the run's ``lines_done``;
  after a crash, running the file again resumes after the last committed batch.
- **Bad lines** are recorded (``ProvisioningIssue``: line number, reason) and do not stop
  the others; a malformed file is refused before anything is written.
- **Fast, flat memory**: the file is streamed; per batch one NIR look-up and one bulk
  insert per table (COPY on PostgreSQL), no ORM object per person.

Why not a unit of work per space: the rows of a new space (identity, code, notice, first
audit event) are computed together and the first event of a new chain needs no lock, so
one transaction per batch keeps every space whole and the import fast.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import closing
from dataclasses import dataclass, replace
from itertools import islice
from pathlib import Path
from typing import BinaryIO

from sqlalchemy.orm import Session, sessionmaker

from espace_sante.accounts import register
from espace_sante.accounts.models import ProvisioningRun
from espace_sante.accounts.provisioning_access import authorize_provisioning
from espace_sante.accounts.provisioning_batch import Stamp
from espace_sante.accounts.provisioning_notices import PARIS
from espace_sante.accounts.provisioning_plan import Plan, draft_batch
from espace_sante.accounts.provisioning_runs import RunView, finish_run, run_view, start_run
from espace_sante.accounts.provisioning_upload import Upload, local_copy
from espace_sante.accounts.provisioning_write import Batch, commit_batch
from espace_sante.accounts.register import Format, RawLine
from espace_sante.core import bulk
from espace_sante.core.actors import Actor, LegalBasis
from espace_sante.core.clock import Clock
from espace_sante.core.context import request_id
from espace_sante.settings import Settings

BATCH_SIZE = 2000
SWITCH_INTERVAL = 0.0005  # seconds, while an import runs (see _import)


@dataclass(frozen=True)
class Progress:
    run_id: str
    lines_done: int
    lines_total: int  # estimated from the file's line count
    created: int
    unchanged: int
    refused: int


ProgressCallback = Callable[[Progress], None]
Source = Path | str | BinaryIO


def provision(
    factory: sessionmaker[Session], settings: Settings, clock: Clock, source: Source, *,
    actor: Actor, batch_size: int = BATCH_SIZE, progress: ProgressCallback | None = None,
    fmt: Format | None = None, file_name: str | None = None,
) -> RunView:
    """Import a register file (a path, or a binary stream spooled to disk first); returns
    the run's summary. Raises ``Forbidden`` for anyone but the insurer,
    ``MalformedRegister`` for a file refused as a whole, ``Conflict`` if another process
    is importing the same file."""
    basis = authorize_provisioning(factory, clock, actor)
    with local_copy(source, settings, file_name) as upload:
        fmt = register.inspect(upload.path, fmt)
        run = start_run(factory, clock, actor, basis, upload.name, upload.sha256)
        if run.finished_at is None:
            _import(factory, settings, clock, upload, fmt, run, actor, basis,
                    batch_size, progress)
            finish_run(factory, clock, run.id)
    return run_view(factory, run.id)


def _import(
    factory: sessionmaker[Session], settings: Settings, clock: Clock, upload: Upload,
    fmt: Format, run: ProvisioningRun, actor: Actor, basis: LegalBasis, batch_size: int,
    progress: ProgressCallback | None,
) -> None:
    counts = Progress(run.id, run.lines_done,
                      max(upload.lines - (1 if fmt is Format.CSV else 0), run.lines_done),
                      run.created, run.unchanged, run.errors)
    if progress is not None:  # where the import starts (or resumes)
        progress(counts)
    # Why: an import allocates rows by the million, and every full collection would walk
    # again the whole heap alive before it (modules, metadata); frozen, those objects are
    # left out (~10% faster). Unfrozen after: nothing is kept that would not have been.
    gc.freeze()
    # Why: the writer thread wakes when PostgreSQL has answered, then waits for the
    # interpreter lock; the default switch interval (5 ms) leaves the database idle that
    # long at every step. 0.5 ms: ~8,000 → ~11,000 persons/s (bench/provision.py).
    interval = sys.getswitchinterval()
    sys.setswitchinterval(SWITCH_INTERVAL)
    try:
        _pipeline(factory, settings, clock, upload, fmt, run, actor, basis, batch_size,
                  progress, counts)
    finally:
        sys.setswitchinterval(interval)
        gc.unfreeze()


def _pipeline(
    factory: sessionmaker[Session], settings: Settings, clock: Clock, upload: Upload,
    fmt: Format, run: ProvisioningRun, actor: Actor, basis: LegalBasis, batch_size: int,
    progress: ProgressCallback | None, counts: Progress,
) -> None:
    """Batches flow through two stages: this thread reads, checks and drafts batch N+1
    while a writer thread commits batch N, so Python and the database work at once. The
    next batch is handed over only after the previous one committed and was reported: the
    database always sees the batches in file order, one at a time."""
    with (closing(register.read(upload.path, fmt)) as records,
          ThreadPoolExecutor(max_workers=1, thread_name_prefix="provision") as writer):
        lines = islice(records, run.lines_done, None)
        pending: tuple[Batch, Future[Plan]] | None = None
        for batch in _drafted(lines, counts.lines_done, settings, clock, run.id, actor, basis,
                              batch_size, bulk.uses_copy(factory)):
            if pending is not None:
                counts = _report(counts, pending, progress)
            pending = (batch, writer.submit(commit_batch, factory, batch))
        if pending is not None:
            _report(counts, pending, progress)


def _report(counts: Progress, pending: tuple[Batch, Future[Plan]],
            progress: ProgressCallback | None) -> Progress:
    batch, future = pending
    plan = future.result()
    done = batch.start + batch.lines
    counts = replace(counts, lines_done=done, lines_total=max(counts.lines_total, done),
                     created=counts.created + plan.created,
                     unchanged=counts.unchanged + plan.unchanged,
                     refused=counts.refused + len(plan.issues))
    if progress is not None:
        progress(counts)
    return counts


def _drafted(lines: Iterable[RawLine], done: int, settings: Settings, clock: Clock,
             run_id: str, actor: Actor, basis: LegalBasis, size: int,
             copy: bool) -> Iterator[Batch]:
    it = iter(lines)
    while chunk := list(islice(it, size)):
        now = clock.now()
        stamp = Stamp(now=now, run_id=run_id, secret=settings.secret_key,
                      base_url=settings.base_url, actor=actor, basis=basis,
                      request_id=request_id.get(), copy=copy)
        today = now.astimezone(PARIS).date()
        records = [register.validate(raw, today=today) for raw in chunk]
        yield Batch(stamp, done, len(chunk), draft_batch(records, stamp))
        done += len(chunk)
