"""Docs that tests keep true: every CLI command in the README, the policy table in
docs/access-model.md equal to the registry."""

from __future__ import annotations

import re
from pathlib import Path

import typer
from typer.main import get_command

from espace_sante.cli import app as cli
from espace_sante.core.actors import ActorKind
from espace_sante.core.policy import RULES

ROOT = Path(__file__).resolve().parents[2]


def _commands(group: typer.Typer) -> list[str]:
    command = get_command(group)
    names = []
    for name, sub in command.commands.items():  # type: ignore[attr-defined]
        if hasattr(sub, "commands"):
            names += [f"{name} {child}" for child in sub.commands]
        else:
            names.append(name)
    return names


def test_every_cli_command_is_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [c for c in _commands(cli) if f"`espace-sante {c}`" not in readme]
    assert not missing, f"document these commands in README.md: {missing}"


def test_every_cli_command_has_help() -> None:
    command = get_command(cli)
    for name, sub in command.commands.items():  # type: ignore[attr-defined]
        assert sub.help, name


def test_access_model_doc_matches_the_registry() -> None:
    doc = (ROOT / "docs" / "access-model.md").read_text(encoding="utf-8")
    rows = set()
    for line in doc.splitlines():
        m = re.match(r"^\| `(\w+)` \| `(\w+)` \| `(\w+)` \| (.+?) \| (.*?) \|$", line)
        if m:
            resource, action, actor, bases, scope = m.groups()
            parsed = frozenset(re.findall(r"`(\w+)`", bases))
            rows.add((resource, action, actor, parsed, scope.strip("` ") or None))
    expected = {
        (r.resource.value, r.action.value, r.actor.value, frozenset(b.value for b in r.bases),
         r.scope)
        for r in RULES
    }
    assert rows == expected, "regenerate the table: python -m espace_sante.core.policy"
    assert {ActorKind.OPERATOR.value, ActorKind.COMMISSION.value}.isdisjoint(
        {r[2] for r in rows}
    ), "staff never reach health data"
