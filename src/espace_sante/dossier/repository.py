"""Documents and folders seen through the access policy: every query carries the actor's
visibility filter (``visibility.conditions``), every object is checked; the rest answers
"not found", exactly like a missing one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session, defer

from espace_sante.accounts.service import check_open_for
from espace_sante.core.errors import NotFound
from espace_sante.core.policy import Action, Resource
from espace_sante.core.uow import UnitOfWork
from espace_sante.dossier import search, visibility
from espace_sante.dossier.codes import Category, SourceKind, Status
from espace_sante.dossier.models import Document, DocumentLink, Folder

MAX_PAGE = 100
PARIS = ZoneInfo("Europe/Paris")


@dataclass(frozen=True)
class DocumentQuery:
    """Filters of a space's document list (pages, JSON, FHIR search)."""

    category: Category | None = None
    class_code: str | None = None
    type_code: str | None = None
    source: SourceKind | None = None
    author: str | None = None  # part of the author's or organisation's name, or an RPPS
    text: str | None = None  # title, author, extracted text
    folder_id: str | None = None
    status: Status | None = Status.CURRENT  # None: every status the actor may see
    created_from: date | None = None
    created_to: date | None = None
    act_from: date | None = None
    act_to: date | None = None
    sort: str = "-date"  # -date (newest deposit first), date, -act, act, title
    count: int = 20
    offset: int = 0


_SORTS = {
    "-date": (Document.created_at.desc(), Document.id.desc()),
    "date": (Document.created_at, Document.id),
    "-act": (Document.act_date.desc(), Document.id.desc()),
    "act": (Document.act_date, Document.id),
    "title": (Document.title, Document.id),
}


class DocumentRepository:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow
        self.session: Session = uow.session

    def get(self, patient_id: str, document_id: str, action: Action = Action.READ,
            resource: Resource = Resource.DOCUMENT, *, history: bool = False) -> Document:
        self._uow.authorize(action, resource, patient_id, document_id)
        self._check_open(patient_id)
        stmt = select(Document).where(
            Document.id == document_id,
            *visibility.conditions(self._uow.actor, patient_id, history=history))
        document = self.session.scalar(stmt)
        if document is None:
            raise NotFound.default()
        return document

    def authorize_create(self, patient_id: str) -> None:
        self._uow.authorize(Action.CREATE, Resource.DOCUMENT, patient_id)
        self._check_open(patient_id)

    def _check_open(self, patient_id: str) -> None:
        check_open_for(self.session, self._uow.actor, patient_id)

    def locate(self, document_id: str) -> str | None:
        """The space a document id belongs to, for front doors that address documents
        by id alone (FHIR ``DocumentReference/[id]``); the caller then asks the policy."""
        if len(document_id) > 36:
            return None
        return self.session.scalar(select(Document.patient_id).where(Document.id == document_id))

    def search(self, patient_id: str, query: DocumentQuery) -> tuple[list[Document], int]:
        self._uow.authorize(Action.SEARCH, Resource.DOCUMENT, patient_id)
        self._check_open(patient_id)
        where = self._filters(patient_id, query)
        total = self.session.scalar(select(func.count()).select_from(Document).where(*where))
        # The search columns (up to 100,000 characters) serve the filter, not the list.
        stmt = (
            select(Document)
            .options(defer(Document.search_text), defer(Document.search_head)).where(*where)
            .order_by(*_SORTS[query.sort])
            .limit(min(query.count, MAX_PAGE)).offset(query.offset))
        return list(self.session.scalars(stmt)), int(total or 0)

    def _filters(self, patient_id: str, q: DocumentQuery) -> list[ColumnElement[bool]]:
        where = visibility.conditions(
            self._uow.actor, patient_id, history=q.status is None)
        equal = ((Document.category, q.category), (Document.class_code, q.class_code),
                 (Document.type_code, q.type_code), (Document.source, q.source),
                 (Document.folder_id, q.folder_id), (Document.status, q.status))
        where += [column == value for column, value in equal if value is not None]
        if q.author:
            like = f"%{_escape(q.author)}%"
            where.append(or_(Document.author_name.ilike(like, escape="\\"),
                             Document.author_organisation.ilike(like, escape="\\"),
                             Document.author_rpps == q.author))
        if q.text:
            like = f"%{_escape(search.normalise(q.text))}%"
            where.append(or_(Document.search_head.like(like, escape="\\"),
                             Document.search_text.like(like, escape="\\")))
        where += _date_range(q)
        return where

    def add(self, document: Document) -> None:
        self.session.add(document)
        self.session.flush()

    # -- folders ------------------------------------------------------------------------

    def folders(self, patient_id: str) -> list[tuple[Folder, int]]:
        self._uow.authorize(Action.READ, Resource.FOLDER, patient_id)
        counts = (select(Document.folder_id, func.count().label("n"))
                  .where(*visibility.conditions(self._uow.actor, patient_id))
                  .group_by(Document.folder_id).subquery())
        rows = self.session.execute(
            select(Folder, func.coalesce(counts.c.n, 0))
            .outerjoin(counts, counts.c.folder_id == Folder.id)
            .where(Folder.patient_id == patient_id).order_by(Folder.name))
        return [(folder, int(n)) for folder, n in rows]

    def folder(self, patient_id: str, folder_id: str, action: Action) -> Folder:
        self._uow.authorize(action, Resource.FOLDER, patient_id, folder_id)
        folder = self.session.get(Folder, folder_id)
        if folder is None or folder.patient_id != patient_id:
            raise NotFound.default()
        return folder

    def links(self, document_id: str) -> list[str]:
        return list(self.session.scalars(
            select(DocumentLink.target).where(DocumentLink.document_id == document_id)))


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _day_start(day: date) -> datetime:
    """Midnight in Paris, where the people reading the dates live."""
    return datetime.combine(day, time(), PARIS).astimezone(UTC)


def _date_range(q: DocumentQuery) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if q.created_from:
        where.append(Document.created_at >= _day_start(q.created_from))
    if q.created_to:
        where.append(Document.created_at < _day_start(q.created_to + timedelta(days=1)))
    if q.act_from:
        where.append(Document.act_date >= q.act_from)
    if q.act_to:
        where.append(Document.act_date <= q.act_to)
    return where
