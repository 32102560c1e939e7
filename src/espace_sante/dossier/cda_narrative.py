"""The narrative block of a CDA section (HL7 CDA R2, section 4.3.5) as safe HTML: a
whitelist of narrative elements mapped to their HTML twins, every text escaped, only
numeric colspan and rowspan copied, links and references reduced to their words."""

from __future__ import annotations

import re

from lxml import etree
from markupsafe import escape

V3 = "urn:hl7-org:v3"
Element = etree._Element

_HTML_OF = {"paragraph": "p", "item": "li", "table": "table", "thead": "thead",
            "tbody": "tbody", "tfoot": "tfoot", "tr": "tr", "th": "th", "td": "td",
            "caption": "caption", "content": "span", "sub": "sub", "sup": "sup"}
# They point at other objects of the document or at outside files: nothing to show.
_DROPPED = frozenset({"renderMultiMedia", "footnoteRef", "col", "colgroup"})


_SPACES = re.compile(r"\s+")


def _local(tag: object) -> str | None:
    if not isinstance(tag, str) or not tag.startswith(f"{{{V3}}}"):
        return None
    return tag[len(V3) + 2:]


def _span_attrs(el: Element) -> str:
    spans = ((name, el.get(name, "")) for name in ("colspan", "rowspan"))
    return "".join(f' {name}="{value}"' for name, value in spans
                   if value.isdigit() and 1 <= int(value) <= 1000)


def _escaped(text: str | None) -> str:
    # Narrative whitespace is not significant; the source's indentation is dropped.
    return str(escape(_SPACES.sub(" ", text or "")))


def _inner_html(el: Element) -> str:
    parts = [_escaped(el.text)]
    for child in el:
        parts.append(_node_html(child))
        parts.append(_escaped(child.tail))
    return "".join(parts)


def _node_html(el: Element) -> str:
    name = _local(el.tag)
    if name == "br":
        return "<br>"
    if name in _DROPPED:
        return ""
    if name == "list":
        tag: str | None = "ol" if el.get("listType") == "ordered" else "ul"
    else:
        tag = _HTML_OF.get(name or "")
    inner = _inner_html(el)
    # linkHtml and anything unknown keep their words only: no link, no foreign markup.
    return inner if tag is None else f"<{tag}{_span_attrs(el)}>{inner}</{tag}>"


def narrative_html(text: Element | None) -> str:
    return "" if text is None else _inner_html(text)
