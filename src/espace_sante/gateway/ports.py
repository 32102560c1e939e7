"""What front doors need from the wiring, as a protocol (bootstrap provides it)."""

from __future__ import annotations

from typing import Protocol

from sqlalchemy.orm import Session, sessionmaker

from espace_sante.accounts.auth import Authenticator
from espace_sante.core.actors import Actor
from espace_sante.core.blobs import EncryptedBlobs
from espace_sante.core.clock import Clock
from espace_sante.core.crypto import Keyring
from espace_sante.core.uow import UnitOfWork
from espace_sante.oauth.tokens import TokenService
from espace_sante.settings import Settings


class Services(Protocol):
    settings: Settings
    factory: sessionmaker[Session]
    clock: Clock
    authenticator: Authenticator
    tokens: TokenService
    blobs: EncryptedBlobs
    keyring: Keyring

    def uow(self, actor: Actor) -> UnitOfWork: ...
