"""The ``espace-sante`` command: serve, migrate, demo, worker, audit verify, create-staff,
provision."""

from __future__ import annotations

import getpass
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import pyotp
import typer

from espace_sante import migrate as migrations
from espace_sante.bootstrap import Container, build
from espace_sante.settings import Settings

if TYPE_CHECKING:
    from espace_sante.accounts.provisioning import Progress
    from espace_sante.accounts.provisioning_runs import RunView

app = typer.Typer(help="Espace Santé: the personal health space.", no_args_is_help=True)
audit_app = typer.Typer(help="The audit trail.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")


def _container() -> Container:
    return build(Settings())  # read afresh: a command may run with a new environment


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(envvar="PORT", help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(help="Server processes (production).")] = 1,
) -> None:
    """Serve the web pages, the JSON API and the FHIR API."""
    import uvicorn

    uvicorn.run(
        "espace_sante.asgi:app",
        host=host,
        port=port,
        workers=workers,
        proxy_headers=True,
        log_level="info",
    )


@app.command()
def migrate() -> None:
    """Apply the database migrations (Alembic) up to the latest."""
    c = _container()
    migrations.upgrade(c.settings.effective_database_url)
    typer.echo("Base de données à jour. / Database up to date.")


@app.command()
def demo() -> None:
    """Load the demo data (people, professionals, system clients, staff, documents,
    profiles and months of measures); idempotent."""
    from espace_sante import demo as demo_data

    for line in demo_data.load(_container(), documents=True, profile=True):
        typer.echo(line)
    typer.echo("Données de démonstration chargées. / Demo data loaded.")


@app.command()
def worker() -> None:
    """Run the background jobs (outbox, expiries, sweeps) until stopped."""
    from espace_sante.jobs.scheduler import run_forever

    run_forever(_container())


@app.command("load-directory")
def load_directory(path: Path) -> None:
    """Load (upsert) the professionals and institutions directory from a JSON file."""
    from espace_sante.accounts.directory import load_directory as load
    from espace_sante.core.db import session_scope

    with session_scope(_container().factory) as session:
        institutions, professionals = load(session, path)
    typer.echo(f"{institutions} établissements, {professionals} professionnels chargés.")


@app.command("create-staff")
def create_staff(
    email: str,
    role: Annotated[str, typer.Option(help="operator or commission")] = "operator",
    name: Annotated[str, typer.Option(help="Display name")] = "",
) -> None:
    """Create an operator or commission account (password + TOTP); prints the TOTP URI."""
    from espace_sante.accounts.staff import create_staff_account

    password = getpass.getpass("Mot de passe / Password: ")
    c = _container()
    secret = create_staff_account(
        c.factory,
        c.settings,
        email=email,
        role=role,
        name=name or email,
        password=password,
        now=c.clock.now(),
    )
    uri = pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name="Espace Santé")
    typer.echo(f"Compte créé. Enregistrez ce code dans votre application TOTP : {uri}")


@app.command()
def provision(
    path: Annotated[Path, typer.Argument(help="Register file: CSV (; or ,) or NDJSON.")],
    operator: Annotated[
        str | None, typer.Option(help="E-mail of the operator account running the import.")
    ] = None,
    batch_size: Annotated[int, typer.Option(min=1, help="Lines per transaction.")] = 2000,
) -> None:
    """Provision spaces from the insurer's register: pending spaces, codes, notices."""
    from espace_sante.accounts.provisioning import provision as run
    from espace_sante.accounts.provisioning_access import operator_actor

    c = _container()
    actor, started = operator_actor(c.factory, c.clock, operator), c.clock.now()
    with ProgressBar() as bar:
        summary = run(c.factory, c.settings, c.clock, path, actor=actor,
                      batch_size=batch_size, progress=bar.update)
    if summary.finished_at is not None and summary.finished_at < started:
        typer.echo(f"Fichier déjà importé le {summary.finished_at:%d/%m/%Y %H:%M} UTC : rien "
                   "de nouveau. / File already imported: nothing new.")
    for line in summary_lines(summary):
        typer.echo(line)


class ProgressBar:
    """The import's progress on stderr: lines done, of about how many, lines per second."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeRemainingColumn
        from rich.progress import Progress as RichProgress

        self._bar = RichProgress(
            TextColumn("Import"), BarColumn(), MofNCompleteColumn(),
            TextColumn("{task.fields[rate]} lignes/s (lines/s)"), TimeRemainingColumn(),
            console=Console(stderr=True),
        )
        self._task = self._bar.add_task("import", total=None, rate="—")
        self._start: tuple[float, int] | None = None

    def __enter__(self) -> ProgressBar:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._start is not None:
            self._bar.stop()

    def update(self, p: Progress) -> None:
        """Called once before the first batch (where a resumed run starts), then after
        each batch; the bar shows from the first call."""
        now = time.monotonic()
        if self._start is None:
            self._start = (now, p.lines_done)
            self._bar.start()
        started, done_before = self._start
        rate = (p.lines_done - done_before) / max(now - started, 1e-6)
        self._bar.update(self._task, total=p.lines_total, completed=p.lines_done,
                         rate=f"{rate:,.0f}".replace(",", " "))


def summary_lines(run: RunView) -> list[str]:
    lines = [
        f"Import {'terminé' if run.finished_at else 'interrompu'} / import "
        f"{'finished' if run.finished_at else 'interrupted'} : {run.file_name} (run {run.id})",
        f"créés / created : {run.created} · inchangés / unchanged : {run.unchanged} · "
        f"refusés / refused : {run.refused}",
    ]
    lines += [f"  ligne / line {i.line} : {i.reason}" for i in run.issues]
    if run.refused > len(run.issues):
        lines.append(f"  … et {run.refused - len(run.issues)} autres / more "
                     "(console opérateur / operator console)")
    return lines


@audit_app.command("verify")
def audit_verify() -> None:
    """Recompute the audit hash chains; exit 1 naming the first bad entry."""
    from espace_sante.core import audit

    with _container().factory() as session:
        checked, breach = audit.verify(session)
    if breach is not None:
        typer.echo(f"Chaîne d'audit rompue / audit chain broken: {breach}", err=True)
        raise typer.Exit(1)
    typer.echo(f"Chaîne d'audit intacte : {checked} entrées vérifiées. / Audit chain intact.")


def main() -> None:
    try:
        app()
    except Exception as exc:  # a clear message, never a stack trace, for the operator
        if isinstance(exc, SystemExit):
            raise
        typer.echo(f"Erreur / Error: {exc}", err=True)
        sys.exit(2)
