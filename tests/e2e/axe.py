"""Accessibility checks with axe-core, run inside the page the test is looking at."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.sync_api import Page

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = ("serious", "critical")


@dataclass
class Audit:
    """What axe found on one page (kept for the summary at the end of the run)."""

    url: str
    impacts: Counter[str] = field(default_factory=Counter)
    rules: list[str] = field(default_factory=list)


AUDITS: list[Audit] = []


def describe(violations: list[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        lines.append(f"- [{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
        for node in v["nodes"][:5]:
            lines.append(f"    at {node['target']}: {node.get('failureSummary', '')}")
    return "\n".join(lines)


def assert_accessible(page: Page) -> None:
    """Run axe-core on the current page; fail on any serious or critical violation."""
    assert AXE.exists(), f"axe-core is missing at {AXE}: run `npm ci` first"
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    violations: list[dict[str, Any]] = result["violations"]
    audit = Audit(page.url, Counter(v["impact"] for v in violations),
                  [f"{v['impact']}:{v['id']}" for v in violations])
    AUDITS.append(audit)
    blocking = [v for v in violations if v["impact"] in BLOCKING]
    if blocking:
        report = describe(blocking)
        print(f"axe violations on {page.url}:\n{report}")
        raise AssertionError(f"{len(blocking)} serious/critical axe violations on "
                             f"{page.url}:\n{report}")
