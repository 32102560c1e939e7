"""Where a person may be sent back after signing in: paths of this site only."""

from __future__ import annotations

import pytest

from espace_sante.web.redirects import safe_next, sign_in_url

# Each would send a person who has just signed in to another site, or could once a browser
# strips or reinterprets a character.
UNSAFE_NEXT = [
    "//evil.example/", "///evil.example", "http://evil.example/", "https://evil.example",
    "HTTPS://evil.example", "javascript:alert(1)", "evil.example", "/\\evil.example",
    "\\\\evil.example", "/x\\..\\", "/\t/evil.example", "/\n/evil.example", "/\x00",
    "/\u200b/evil.example", "/ /evil.example", "/" + "a" * 1100,
]


@pytest.mark.parametrize("path", [
    "/accueil", "/invitations/AbC-12_xyz", "/espaces/1/historique?page=2&lang=en",
    "/a%2F%2Fb", "/documents/été", "/x#part",
])
def test_paths_of_this_site_are_kept(path: str) -> None:
    assert safe_next(path) == path


@pytest.mark.parametrize("target", [*UNSAFE_NEXT, "", None, "accueil", "/\r\nSet-Cookie:x=1"])
def test_anything_else_is_refused(target: str | None) -> None:
    assert safe_next(target) is None


def test_the_sign_in_link_carries_only_a_safe_next() -> None:
    assert sign_in_url("/invitations/abc") == "/connexion?next=%2Finvitations%2Fabc"
    assert sign_in_url("//evil.example") == sign_in_url(None) == "/connexion"
