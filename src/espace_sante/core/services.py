"""What a brick's use cases need from the wiring (``bootstrap.Container`` provides it):
settings, the clock, the encrypted blob store and units of work. Front doors pass the
container; bricks and the FHIR layer type it with this protocol, not the container."""

from __future__ import annotations

from typing import Protocol

from espace_sante.core.actors import Actor
from espace_sante.core.blobs import EncryptedBlobs
from espace_sante.core.clock import Clock
from espace_sante.core.uow import UnitOfWork
from espace_sante.settings import Settings


class Services(Protocol):
    @property
    def settings(self) -> Settings: ...

    @property
    def clock(self) -> Clock: ...

    @property
    def blobs(self) -> EncryptedBlobs: ...

    def uow(self, actor: Actor) -> UnitOfWork: ...
