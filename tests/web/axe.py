"""axe-core on a Playwright page at the WCAG 2.1 A/AA rule sets (what KWCAG 2.2 follows), with a failure that
reads as a list: rule, impact, the elements' selectors, and what to do."""

from __future__ import annotations

from typing import Any

from axe_playwright_python.base import AXE_SCRIPT

WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
_RUN = "options => axe.run(document, options)"
_OPTIONS = {"runOnly": {"type": "tag", "values": WCAG_21_AA}, "resultTypes": ["violations"]}


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """The violations axe-core finds on the page as it is now (sync Playwright API; the script is injected once
    per document, since `axe` survives until the next navigation)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_SCRIPT)
    return page.evaluate(_RUN, _OPTIONS)["violations"]


def report(violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        lines.append(
            f"- {violation['id']} ({violation['impact']}): {violation['help']} — {violation['helpUrl']}"
        )
        for node in violation["nodes"]:
            target = " ".join(" > ".join(part) if isinstance(part, list) else part for part in node["target"])
            summary = " ".join(line.strip() for line in node.get("failureSummary", "").splitlines()[1:])
            lines.append(f"    {target}: {summary}")
    return "\n".join(lines)


def assert_accessible(page: Any, what: str) -> None:
    """Fails with every violation on the page, named by `what` (e.g. "dashboard as the clerk")."""
    violations = axe_violations(page)
    assert not violations, f"axe-core (WCAG 2.1 AA): {what} at {page.url}:\n{report(violations)}"
