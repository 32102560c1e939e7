"""Phone numbers as typed by people and by the insurer's register, stored as E.164.

French numbers may be written nationally (``06 12 34 56 78``) or with ``+33``/``0033``;
other countries' numbers need their ``+`` prefix. Separators (spaces, dots, hyphens,
brackets) are ignored.
"""

from __future__ import annotations

import re

_FRENCH = re.compile(r"^(?:\+33|0033|0)([1-9]\d{8})$")
_INTERNATIONAL = re.compile(r"^\+[1-9]\d{7,14}$")
_SEPARATORS = re.compile(r"[\s.\-()]")
# Metropolitan mobiles (06, 07). Why not the overseas ones too: their numbers are not
# under +33, so they are read as international numbers, which are all accepted.
_FRENCH_MOBILE = re.compile(r"^\+33[67]\d{8}$")


def to_e164(typed: str) -> str | None:
    """``+33612345678`` for ``06 12 34 56 78``; None if it is not a phone number."""
    compact = _SEPARATORS.sub("", typed.strip())
    french = _FRENCH.match(compact)
    if french:
        return f"+33{french.group(1)}"
    return compact if _INTERNATIONAL.match(compact) else None


def can_receive_sms(e164: str) -> bool:
    """A French landline cannot: one-time codes must go to a mobile."""
    return not e164.startswith("+33") or bool(_FRENCH_MOBILE.match(e164))


def mask(e164: str) -> str:
    """Enough to recognise one's own number, not enough to learn someone else's:
    ``+33 6 •• •• •• 78``."""
    if e164.startswith("+33") and len(e164) == 12:
        return f"+33 {e164[3]} •• •• •• {e164[-2:]}"
    return f"{e164[:3]} ••• {e164[-2:]}"
