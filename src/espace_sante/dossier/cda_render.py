"""A parsed CDA document as a readable HTML fragment for the pages: its title, a header
table (patient, author, organisation, date, type) and its sections; every value escaped,
no link, no script."""

from __future__ import annotations

from markupsafe import escape

from espace_sante.dossier.cda import CdaDocument, Section


def _row(label: str, value: str) -> str:
    return f'<tr><th scope="row">{escape(label)}</th><td>{escape(value)}</td></tr>'


def _patient_label(doc: CdaDocument) -> str:
    label = f"{doc.patient_family_name} {doc.patient_given_names}".strip()
    if doc.patient_birth_date is not None:
        label += f", né(e) le {doc.patient_birth_date:%d/%m/%Y}"
    return label + (f" (INS {doc.patient_ins})" if doc.patient_ins else "")


def _header_html(doc: CdaDocument) -> str:
    author = doc.author.name + (f", {doc.author.profession}" if doc.author.profession else "")
    rows = (("Patient", _patient_label(doc)), ("Auteur", author),
            ("Organisation", doc.author.organisation or doc.custodian or ""),
            ("Date", f"{doc.act_date:%d/%m/%Y}"), ("Type", doc.type_display or doc.type_code))
    return f'<table class="cda-header"><tbody>{"".join(_row(*r) for r in rows)}</tbody></table>'


def _section_html(section: Section) -> str:
    level = min(section.level + 2, 6)
    title = f"<h{level}>{escape(section.title)}</h{level}>" if section.title else ""
    return f'<section class="cda-section">{title}{section.html}</section>'


def render_html(doc: CdaDocument) -> str:
    """A readable fragment for the pages: every value escaped, no link, no script."""
    parts = [f"<h1>{escape(doc.title)}</h1>", _header_html(doc)]
    if doc.embedded is not None:
        parts.append(f"<p>Document non structuré : le contenu est un fichier joint "
                     f"({escape(doc.embedded.media_type)}).</p>")
    parts.extend(_section_html(s) for s in doc.sections)
    return f'<article class="cda">{"".join(parts)}</article>'
