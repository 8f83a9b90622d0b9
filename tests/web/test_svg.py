"""The pictures drawn on the server: every procedure diagram (each state once, the current one marked, the
return for revision drawn back) and the SLA chart's medians, as well-formed SVG without script or style."""

from __future__ import annotations

from xml.etree import ElementTree

import pytest

from gcworkflow.procedures.registry import definitions
from gcworkflow.web import svg

NS = "{http://www.w3.org/2000/svg}"


def _parse(text: str) -> ElementTree.Element:
    assert "<script" not in text and "style=" not in text  # the page's CSP allows neither inline
    return ElementTree.fromstring(text)


@pytest.mark.parametrize("definition", list(definitions()), ids=lambda d: f"{d.kind}-v{d.version}")
def test_every_state_is_drawn_once_and_the_current_one_is_marked(definition) -> None:
    for state in definition.states:
        root = _parse(svg.diagram(definition, state.name, visited=[definition.initial]))
        groups = {g.get("data-state"): g.get("class", "").split() for g in root.iter(f"{NS}g")}
        assert set(groups) == {s.name for s in definition.states}
        assert [name for name, css in groups.items() if "current" in css] == [state.name]
        described = root.find(f"{NS}desc").text
        assert described.startswith(f"현재 단계: {state.label}. ") and f"{state.label} (현재)" in described
        assert all(s.label in described for s in definition.states)  # the stages, in words
        boxes = [(r.get("x"), r.get("y")) for r in root.iter(f"{NS}rect")]
        assert len(boxes) == len(set(boxes))  # no two states on top of each other


def test_the_designation_diagram_reads_left_to_right_with_the_revision_drawn_back() -> None:
    designation = next(d for d in definitions() if d.kind == "designation")
    root = _parse(svg.diagram(designation, "committee_review"))
    x = {
        g.get("data-state"): float(g.find(f"{NS}rect").get("x"))
        for g in root.iter(f"{NS}g")
        if g.get("data-state")
    }
    path = [
        "drafting",
        "governor_consultation",
        "ministry_consultation",
        "committee_review",
        "designation_notice",
    ]
    assert [x[s] for s in path] == sorted(x[s] for s in path)
    backs = [p for p in root.iter(f"{NS}path") if "back" in p.get("class", "")]
    assert len(backs) == 1 and "계획 보완" in backs[0].find(f"{NS}title").text


def test_the_sla_chart_marks_each_median() -> None:
    chart = svg.sla_chart(
        [
            svg.StageBars(
                "조성계획 수립", [svg.StageDays("1번", 10.0, False), svg.StageDays("2번", 30.0, False)], 20.0
            ),
            svg.StageBars("관할 시·도지사 의견수렴", [svg.StageDays("1번", 5.0, True)], None),
        ]
    )
    root = _parse(chart)
    medians = [line for line in root.iter(f"{NS}line") if line.get("class") == "median"]
    assert len(medians) == 1  # no median where no procedure has completed the stage
    bars = [r for r in root.iter(f"{NS}rect") if "bar" in r.get("class", "")]
    widths = [float(r.get("width")) for r in bars]
    assert widths[1] == pytest.approx(3 * widths[0], abs=0.2) and "ongoing" in bars[2].get("class")
    start = float(bars[0].get("x"))
    assert float(medians[0].get("x1")) - start == pytest.approx(widths[1] * 20 / 30, abs=0.2)
