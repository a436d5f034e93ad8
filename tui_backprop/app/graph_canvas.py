"""Drawing a laid-out computation graph on a character canvas: nodes, edges, brackets and fan-outs."""

from __future__ import annotations

from dataclasses import dataclass, field

from tui_backprop.app.graph_layout import PENDING, GraphLayout, Placed

@dataclass
class Canvas:
    """Characters and a style name per cell; a node's cells remember its key (for the selection)."""

    width: int
    lines: list[list[str]] = field(default_factory=list)
    styles: list[list[str]] = field(default_factory=list)
    boxes: dict[tuple, tuple[int, int, int]] = field(default_factory=dict)  # key → (line, start, end)

    def _grow(self, line: int) -> None:
        while len(self.lines) <= line:
            self.lines.append([" "] * self.width)
            self.styles.append([""] * self.width)

    def put(self, line: int, col: int, text: str, style: str = "") -> None:
        self._grow(line)
        for i, ch in enumerate(text):
            if 0 <= col + i < self.width:
                self.lines[line][col + i] = ch
                self.styles[line][col + i] = style

    def text(self) -> list[str]:
        return ["".join(line).rstrip() for line in self.lines]



def render(g: GraphLayout, selected: tuple | None = None) -> Canvas:
    """Draw the placed nodes and their edges; the selected node's cells are styled "selected"."""
    canvas = Canvas(max(g.width, 1))
    for source, weight in g.products:
        w = g.placed[weight]
        canvas.put(w.line, w.col - 3, " × " if source is not None else " + ", "edge")
    for z, a, symbol in g.arrows:
        pz, pa = g.placed[z], g.placed[a]
        start = pz.col + len(g.text_of(z)[0]) + 1
        label = f" {symbol} " if symbol else ""
        run = pa.col - 2 - start  # cells before the "► " in front of a
        canvas.put(pz.line, start, ("─" * run)[: max(run - len(label), 0)] + label[: run] + "►", "edge")
    for sources, target in g.edges:
        ends = [(g.placed[s].line, g.placed[s].col + len(g.text_of(s)[0]) + 1) for s in sources]
        _bracket(canvas, ends, g.placed[target], right_of=True)
    for source, targets in g.fanouts:
        ps = g.placed[source]
        line, end = g.fanout_starts.get(source, (ps.line, ps.col + len(g.text_of(source)[0]) + 1))
        _fanout(canvas, line, end, [g.placed[t] for t in targets])
    for key, place in g.placed.items():
        top, bottom = g.text_of(key)
        cut = top.index(" ")
        mark = key == selected
        canvas.put(place.line, place.col, top[:cut], "selected" if mark else "name")
        canvas.put(place.line, place.col + cut, top[cut:], "selected" if mark else "value")
        if bottom:
            style = "selected" if mark else ("pending" if bottom.endswith(PENDING) else "grad")
            canvas.put(place.line + 1, place.col, bottom, style)
        canvas.boxes[key] = (place.line, place.col, place.col + max(len(top), len(bottom)))
    for line, key, text in g.notes:
        canvas.put(line, g.placed[key].col, text, "pending")
    for line, col, text in g.labels:
        canvas.put(line, col, text, "name")
    return canvas


def _bracket(canvas: Canvas, ends: list[tuple[int, int]], target: Placed, right_of: bool) -> None:
    """Several sources joined into one target: "─┐ ─┤ ─┘ ├─►"."""
    bx = target.col - 3
    lines = [line for line, _ in ends]
    for line, end in ends:
        canvas.put(line, end, "─" * max(bx - end, 0), "edge")
    top, bottom = min(lines + [target.line]), max(lines + [target.line])
    for line in range(top, bottom + 1):
        canvas.put(line, bx, _junction(line in lines, line == target.line, line > top, line < bottom), "edge")
    canvas.put(target.line, bx + 1, "► ", "edge")


def _fanout(canvas: Canvas, line: int, end: int, targets: list[Placed]) -> None:
    """One source feeding several weights: "─┬─► w", "└─► w"."""
    bx = targets[0].col - 3
    canvas.put(line, end, "─" * max(bx - end, 0), "edge")
    lines = [t.line for t in targets]
    top, bottom = min(lines + [line]), max(lines + [line])
    for row in range(top, bottom + 1):
        canvas.put(row, bx, _junction(row == line, row in lines, row > top, row < bottom), "edge")
    for t in targets:
        canvas.put(t.line, bx + 1, "► ", "edge")


def _junction(left: bool, right: bool, up: bool, down: bool) -> str:
    return {
        (True, True, False, False): "─", (True, False, False, True): "┐", (True, False, True, False): "┘",
        (True, False, True, True): "┤", (False, True, True, True): "├", (True, True, True, True): "┼",
        (True, True, False, True): "┬", (True, True, True, False): "┴", (False, False, True, True): "│",
        (False, True, False, True): "┌", (False, True, True, False): "└", (False, False, False, False): " ",
    }.get((left, right, up, down), "│")
