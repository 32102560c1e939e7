"""What a supported resource type declares: its profile, its handlers (read, search,
create, update, delete) and its search parameters. The router dispatches on it and the
CapabilityStatement is built from it, so the two cannot disagree."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from espace_sante.core.actors import Actor

# The FHIR layer needs what the bricks' use cases need; resolving who calls is the HTTP
# adapter's job, so no authenticator nor token service.
from espace_sante.core.services import Services as Services

Resource = dict[str, Any]


@dataclass(frozen=True)
class SearchPage:
    """One page of a search: the matches shown, how many match in all, where it starts."""

    resources: list[Resource]
    total: int
    offset: int
    count: int


@dataclass(frozen=True)
class RawContent:
    """A Binary's bytes, streamed as such unless the client asked for FHIR JSON."""

    content_type: str
    size: int
    chunks: Iterator[bytes]
    resource_id: str


Reader = Callable[[Services, Actor, str], Resource | RawContent]
Searcher = Callable[[Services, Actor, Mapping[str, str]], list[Resource] | SearchPage]
Creator = Callable[[Services, Actor, Any], Resource]
Updater = Callable[[Services, Actor, str, Any], Resource]
Deleter = Callable[[Services, Actor, str], None]


@dataclass(frozen=True)
class SearchParam:
    name: str
    type: str  # FHIR search parameter type: token, string, date, reference…
    definition: str  # canonical URL of the SearchParameter
    documentation: str


@dataclass(frozen=True)
class ResourceSupport:
    type: str
    profile: str
    read: Reader | None = None
    search: Searcher | None = None
    create: Creator | None = None
    update: Updater | None = None
    delete: Deleter | None = None
    search_params: tuple[SearchParam, ...] = ()
    # Profiles some of its resources claim (the measures: FR Core and MES, per type).
    supported_profiles: tuple[str, ...] = ()
    # Parameters that may be given twice (``date=ge…&date=le…``: both apply).
    repeatable: frozenset[str] = frozenset()
    # False when no SMART scope opens the type (the policy gives apps and institutions no
    # access to it): none is announced, and the CapabilityStatement says who may use it.
    smart_scopes: bool = True
    # Why an update is refused, when the type has none for a reason a client should read
    # (French, English): a measure is deleted and sent again, never changed.
    no_update: tuple[str, str] | None = None

    @property
    def interactions(self) -> tuple[str, ...]:
        """FHIR type-level interaction codes, in the order the spec lists them."""
        pairs = (("read", self.read), ("update", self.update), ("delete", self.delete),
                 ("create", self.create), ("search-type", self.search))
        return tuple(code for code, handler in pairs if handler is not None)

    @property
    def param_names(self) -> frozenset[str]:
        return frozenset(p.name for p in self.search_params)


Registry = Mapping[str, ResourceSupport]
