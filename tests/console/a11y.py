"""axe-core (from npm, tests/a11y) run inside a page: the serious and critical violations."""

from functools import cache
from pathlib import Path

AXE = Path(__file__).resolve().parents[1] / "a11y" / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = ("serious", "critical")


@cache
def axe_source() -> str:
    if not AXE.exists():
        raise RuntimeError(f"{AXE} is missing: run `npm ci --prefix tests/a11y` (make test does)")
    return AXE.read_text()


def serious_violations(page) -> list[str]:
    """Evaluated, not added as a script tag: a page's content policy cannot turn the check off."""
    page.evaluate(axe_source())
    found = page.evaluate(
        """async () => {
            const result = await axe.run(document, {resultTypes: ['violations']});
            return result.violations.map(v => ({
                id: v.id, impact: v.impact,
                nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ')),
            }));
        }"""
    )
    return [f"{v['id']} ({v['impact']}): {v['nodes']}" for v in found if v["impact"] in BLOCKING]
