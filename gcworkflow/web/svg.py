"""Pictures drawn on the server as SVG: the procedure diagram with the current stage highlighted, and the
SLA chart. No script and no inline style (the Content-Security-Policy forbids both): shapes carry classes
that static/app.css colours. Each picture is one image to assistive technology (role="img"), named by its
<title> and described in words by its <desc>; what colour shows is also shown by a mark or a pattern.

The diagram uses a plain left-to-right layered layout: back edges (a return for revision) are found by a
depth-first walk and drawn as arcs above the boxes; every other state sits one layer right of its furthest
predecessor; final states that are not on the main path stack below it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from html import escape

from gcworkflow.procedures.spec import ProcedureDefinition

BOX_W, BOX_H = 132, 50
GAP_X, GAP_Y = 34, 26
PAD = 14
ARC_ROOM = 28  # above the boxes, for back edges (a return for revision)
CHARS_PER_LINE = 9  # Korean glyphs are about square: 9 of them fit a box at 13 px


def _edges(definition: ProcedureDefinition) -> list[tuple[str, str, str]]:
    seen: set[tuple[str, str]] = set()
    edges = []
    for action in definition.actions:
        if action.dest is None:
            continue
        for source in action.sources:
            if (source, action.dest) not in seen:
                seen.add((source, action.dest))
                edges.append((source, action.dest, action.label))
    return edges


def _back_edges(definition: ProcedureDefinition, edges: list[tuple[str, str, str]]) -> set[tuple[str, str]]:
    succ: dict[str, list[str]] = {}
    for a, b, _ in edges:
        succ.setdefault(a, []).append(b)
    back: set[tuple[str, str]] = set()
    state: dict[str, int] = {}  # 1 on the stack, 2 done

    def walk(node: str) -> None:
        state[node] = 1
        for nxt in succ.get(node, []):
            if state.get(nxt) == 1:
                back.add((node, nxt))
            elif nxt not in state:
                walk(nxt)
        state[node] = 2

    walk(definition.initial)
    for s in definition.states:
        if s.name not in state:
            walk(s.name)
    return back


@dataclass(frozen=True)
class _Box:
    name: str
    label: str
    x: int
    y: int


def _layout(
    definition: ProcedureDefinition, edges: list[tuple[str, str, str]], back: set[tuple[str, str]], top: int
) -> tuple[dict[str, _Box], int, int]:
    forward = [(a, b) for a, b, _ in edges if (a, b) not in back]
    layer = {s.name: 0 for s in definition.states}
    for _ in definition.states:  # longest path on a DAG: relax |V| times
        for a, b in forward:
            layer[b] = max(layer[b], layer[a] + 1)
    # The main path: the longest chain from the initial state; other states stack below their layer.
    main = {definition.initial}
    node = definition.initial
    while True:
        nexts = [b for a, b in forward if a == node and layer[b] == layer[node] + 1]
        if not nexts:
            break
        node = max(nexts, key=lambda n: (_chain_length(n, forward), -_order(definition, n)))
        main.add(node)
    rows: dict[int, int] = {}
    boxes = {}
    for state in sorted(definition.states, key=lambda s: (s.name not in main, _order(definition, s.name))):
        column = layer[state.name]
        row = rows.get(column, 0)
        rows[column] = row + 1
        boxes[state.name] = _Box(
            state.name, state.label, PAD + column * (BOX_W + GAP_X), PAD + top + row * (BOX_H + GAP_Y)
        )
    return boxes, max(rows.values(), default=1), max(layer.values(), default=0) + 1


def _order(definition: ProcedureDefinition, name: str) -> int:
    return [s.name for s in definition.states].index(name)


def _chain_length(node: str, forward: list[tuple[str, str]]) -> int:
    nexts = [b for a, b in forward if a == node]
    return 1 + max((_chain_length(n, forward) for n in nexts), default=0)


def _wrap(text: str, width: int = CHARS_PER_LINE) -> list[str]:
    """Break at spaces (or the middle dot) into lines of about ``width`` characters, at most three."""
    words = text.replace("·", "· ").split()
    lines: list[str] = []
    for word in words:
        joiner = "" if lines and lines[-1].endswith("·") else " "
        if lines and len(lines[-1]) + len(word) + 1 <= width:
            lines[-1] = f"{lines[-1]}{joiner}{word}"
        else:
            lines.append(word)
    return lines[:3]


def describe(definition: ProcedureDefinition, current: str | None, visited: Iterable[str] = ()) -> str:
    """The diagram in words, for its <desc>: the current stage, then every stage in order with what it is."""
    passed = set(visited)
    current_label = definition.state(current).label if current else "없음"

    def status(name: str) -> str:
        return " (현재)" if name == current else " (지남)" if name in passed else ""

    stages = ", ".join(f"{s.label}{status(s.name)}" for s in definition.states)
    return f"현재 단계: {current_label}. 단계 {len(definition.states)}개: {stages}."


def diagram(definition: ProcedureDefinition, current: str | None, visited: Iterable[str] = ()) -> str:
    """The state diagram; ``current`` is highlighted (a thick border) and the stages already passed are
    marked with a check as well as a paler fill."""
    edges = _edges(definition)
    back = _back_edges(definition, edges)
    top = ARC_ROOM if back else 0
    boxes, rows, columns = _layout(definition, edges, back, top)
    width = PAD * 2 + columns * BOX_W + (columns - 1) * GAP_X
    height = PAD * 2 + top + rows * BOX_H + (rows - 1) * GAP_Y
    passed = set(visited)
    out = [
        f'<svg class="diagram" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'role="img" aria-labelledby="diagram-title diagram-desc">',
        f'<title id="diagram-title">{escape(definition.label)} 절차도</title>',
        f'<desc id="diagram-desc">{escape(describe(definition, current, passed))}</desc>',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" class="arrowhead"/></marker></defs>',
    ]
    for a, b, label in edges:
        s, t = boxes[a], boxes[b]
        if (a, b) in back:
            # Above the boxes, so it never crosses the lanes below them.
            path = (
                f"M{s.x + BOX_W // 2},{s.y} C{s.x + BOX_W // 2},{PAD - 6} "
                f"{t.x + BOX_W // 2},{PAD - 6} {t.x + BOX_W // 2},{t.y}"
            )
            css = "edge back"
        elif s.y == t.y:
            path = f"M{s.x + BOX_W},{s.y + BOX_H // 2} L{t.x},{t.y + BOX_H // 2}"
            css = "edge"
        else:
            # Down into the lane between the rows, along it, and into the target from its left.
            lane = s.y + BOX_H + GAP_Y // 2
            turn = t.x - GAP_X // 2
            path = f"M{s.x + BOX_W // 2},{s.y + BOX_H} V{lane} H{turn} V{t.y + BOX_H // 2} H{t.x}"
            css = "edge"
        out.append(
            f'<path d="{path}" class="{css}" marker-end="url(#arrow)">'
            f"<title>{escape(boxes[a].label)} → {escape(boxes[b].label)}: {escape(label)}</title></path>"
        )
    for state in definition.states:
        box = boxes[state.name]
        css = ["state"]
        if state.final:
            css.append("final")
        if state.name in passed:
            css.append("visited")
        if state.name == current:
            css.append("current")
        lines = _wrap(box.label)
        first_y = box.y + BOX_H // 2 - (len(lines) - 1) * 8 + 5
        texts = "".join(
            f'<text x="{box.x + BOX_W // 2}" y="{first_y + i * 16}" text-anchor="middle">{escape(line)}</text>'
            for i, line in enumerate(lines)
        )
        marker = "현재 단계: " if state.name == current else ""
        mark = "▶" if state.name == current else "✓" if state.name in passed else ""
        if mark:
            texts += f'<text class="mark" x="{box.x + 6}" y="{box.y + 14}">{mark}</text>'
        out.append(
            f'<g class="{" ".join(css)}" data-state="{state.name}">'
            f"<title>{marker}{escape(state.label)} ({state.name}) — {escape(state.basis)}</title>"
            f'<rect x="{box.x}" y="{box.y}" width="{BOX_W}" height="{BOX_H}" rx="8"/>{texts}</g>'
        )
    out.append("</svg>")
    return "\n".join(out)


# --- the SLA chart --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StageDays:
    """Days one procedure spent (or has spent so far) in one stage."""

    procedure: str
    days: float
    ongoing: bool


@dataclass(frozen=True)
class StageBars:
    """One stage of the chart: a bar per procedure, and the median of the procedures that completed it."""

    label: str
    bars: Sequence[StageDays]
    median: float | None


def sla_chart(stages: Sequence[StageBars]) -> str:
    """Horizontal bars, one group per stage: a thin bar per procedure (a stage still under way in another
    colour, counted until now) and a line at the median."""
    bar_h, gap, label_w, plot_w = 12, 3, 190, 520
    longest = max((d.days for stage in stages for d in stage.bars), default=0) or 1
    scale = plot_w / longest
    y = PAD + 18
    body = []
    for stage in stages:
        if not stage.bars:
            continue
        group_h = len(stage.bars) * (bar_h + gap)
        body.append(
            f'<text class="stage-label" x="{PAD}" y="{y + min(group_h, 30) / 2 + 4:.0f}">{escape(stage.label)}</text>'
        )
        for i, bar in enumerate(stage.bars):
            top = y + i * (bar_h + gap)
            css = "bar ongoing" if bar.ongoing else "bar"
            state = "진행 중" if bar.ongoing else "완료"
            body.append(
                f'<rect class="{css}" x="{label_w}" y="{top}" width="{max(bar.days * scale, 1.5):.1f}" '
                f'height="{bar_h}"><title>{escape(bar.procedure)}: {bar.days:.1f}일 ({state})</title></rect>'
            )
        if stage.median is not None:
            mx = label_w + stage.median * scale
            body.append(
                f'<line class="median" x1="{mx:.1f}" x2="{mx:.1f}" y1="{y - 3}" y2="{y + group_h}"/>'
                f'<text class="median-label" x="{mx + 4:.1f}" y="{y + group_h + 11}">'
                f"중앙값 {stage.median:.1f}일</text>"
            )
        y += group_h + 26
    step = _tick_step(longest)
    ticks = []
    for i in range(int(longest // step) + 1):
        x = label_w + i * step * scale
        ticks.append(
            f'<line class="tick" x1="{x:.1f}" x2="{x:.1f}" y1="{PAD + 10}" y2="{y - 8}"/>'
            f'<text class="tick-label" x="{x:.1f}" y="{PAD + 6}" text-anchor="middle">{i * step:g}일</text>'
        )
    width = label_w + plot_w + 70
    return "\n".join(
        [
            f'<svg class="sla-chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {y}" role="img" '
            'aria-labelledby="sla-title sla-desc">',
            '<title id="sla-title">단계별 소요 일수</title>',
            '<desc id="sla-desc">단계마다 절차별 막대(빗금 친 막대는 진행 중인 단계로 지금까지의 일수)와 '
            "그 단계를 마친 절차의 중앙값 세로선. 같은 수치가 아래 표에 있습니다.</desc>",
            '<defs><pattern id="ongoing" width="6" height="6" patternUnits="userSpaceOnUse" '
            'patternTransform="rotate(45)"><rect class="hatch-ground" width="6" height="6"/>'
            '<line class="hatch-line" x1="0" y1="0" x2="0" y2="6"/></pattern></defs>',
            *ticks,
            *body,
            "</svg>",
        ]
    )


def _tick_step(longest: float) -> float:
    for step in (1, 2, 5, 10, 20, 50, 100, 200, 500):
        if longest / step <= 8:
            return float(step)
    return 1000.0
