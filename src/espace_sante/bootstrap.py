"""Wiring: adapters are chosen here, by name, once; everything else receives them."""

from __future__ import annotations

from dataclasses import dataclass, field

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from espace_sante.accounts import closure
from espace_sante.accounts.auth import Authenticator
from espace_sante.accounts.repository import space_exists
from espace_sante.core.actors import Actor
from espace_sante.core.blobs import BlobStore, EncryptedBlobs, make_blob_store
from espace_sante.core.clock import Clock, SystemClock
from espace_sante.core.crypto import Keyring
from espace_sante.core.db import make_engine, make_session_factory
from espace_sante.core.uow import UnitOfWork
from espace_sante.dossier import events
from espace_sante.dossier import service as dossier
from espace_sante.jobs import scheduler, tasks
from espace_sante.oauth.tokens import TokenService
from espace_sante.profile import extraction
from espace_sante.profile import service as profile
from espace_sante.settings import Settings, get_settings


@dataclass
class Container:
    settings: Settings
    engine: Engine
    factory: sessionmaker[Session]
    clock: Clock
    blob_store: BlobStore
    keyring: Keyring
    authenticator: Authenticator = field(init=False)
    tokens: TokenService = field(init=False)
    blobs: EncryptedBlobs = field(init=False)

    def __post_init__(self) -> None:
        self.authenticator = Authenticator(self.factory, self.clock, self.settings)
        self.tokens = TokenService(self.factory, self.clock)
        self.blobs = EncryptedBlobs(self.blob_store, self.keyring)

    def start_worker(self) -> BackgroundScheduler:
        return scheduler.start_background(self)

    def uow(self, actor: Actor) -> UnitOfWork:
        return UnitOfWork(self.factory, actor, self.clock, space_exists)


def register_bricks() -> None:
    """Bricks that keep rows per space tell the purge how to delete them, and the blob
    sweeper which files they own (accounts and jobs cannot import the bricks above them);
    the profile hears of the documents deposited, to extract their values (the dossier
    cannot import the profile). Idempotent: ``build`` may run more than once."""
    for purge in (dossier.purge_space, profile.purge_space):
        if purge not in closure.SPACE_PURGERS:
            closure.SPACE_PURGERS.append(purge)
    if dossier.owns_blob not in tasks.BLOB_OWNERS:
        tasks.BLOB_OWNERS.append(dossier.owns_blob)
    if extraction.on_deposit not in events.DEPOSIT_LISTENERS:
        events.DEPOSIT_LISTENERS.append(extraction.on_deposit)


def build(settings: Settings | None = None, *, clock: Clock | None = None) -> Container:
    register_bricks()
    settings = settings or get_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(
        settings.effective_database_url, sqlite_synchronous=settings.sqlite_synchronous
    )
    return Container(
        settings=settings,
        engine=engine,
        factory=make_session_factory(engine),
        clock=clock or SystemClock(),
        blob_store=make_blob_store(settings),
        keyring=Keyring(settings.master_key_bytes),
    )
