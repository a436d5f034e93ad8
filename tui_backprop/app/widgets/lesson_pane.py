"""The lesson pane: the text, the goals (✓ / ✗, live), the question score, hints and the solution.

Lesson text has two kinds of line: paragraphs, which the pane wraps to its width, and
preformatted lines (indented in the preset: worked formulas, aligned derivations), which
keep their breaks and alignment. The main view widens the pane so they fit when it can
(``side_pane.py``); where it cannot (the 28-column pane beside the others at 100×30), a
formula line wider than the pane wraps between its words, its continuation lines hanging
under the formula's text ("  forward:  z = …": under the z), so no number is past the edge.
Only a drawing (a block of indented lines with box-drawing characters or "|" in it, which
no shipped lesson has) keeps its lines whole; the pane scrolls sideways for it.
"""

from __future__ import annotations

import re

from rich.cells import cell_len
from rich.markup import escape
from rich.text import Text
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tui_backprop.app.inspector_lines import hanging, paragraph
from tui_backprop.config import Config
from tui_backprop.lessons import GoalResult, Question, mask

Block = tuple[str, bool]  # (Rich markup, preformatted?)

def differs_note(differs: str, challenge: bool = False) -> str:
    """Above the lesson when the run is not the lesson's (``SessionStops.differs_from_lesson``, which the notes
    use too): its worked numbers and notes are for the lesson's own settings. In a challenge (a lesson with
    goals) changing them is the task: the line names the learner's settings, no warning (QA8 C10)."""
    if challenge:
        return f"Your run: {differs} (o starts the challenge over)."
    ways = ["o reloads the lesson"]
    if "typed by hand" in differs:
        ways.insert(0, "r resets the weights")
    return (f"Written for the lesson's settings; this run has {differs}, so its numbers may differ from the "
            f"lesson's ({', '.join(ways)}).")


def _is_preformatted(line: str) -> bool:
    return line.startswith((" ", "\t")) and bool(line.strip())


def reflow(text: str) -> str:
    """Join a lesson's wrapped lines so the pane can wrap them to its own width.

    Blank lines separate paragraphs; indented lines (worked formulas) keep their breaks.
    """
    out: list[str] = []
    for line in text.strip().splitlines():
        if not line.strip():
            out.append("")
        elif line.startswith((" ", "\t")) or not out or not out[-1] or out[-1].startswith((" ", "\t")):
            out.append(line.rstrip())
        else:
            out[-1] = out[-1] + " " + line.strip()
    return "\n".join(out)


def lesson_blocks(text: str) -> list[Block]:
    """A lesson's plain text as blocks: paragraphs joined (to be wrapped), indented lines kept as they are."""
    return [(escape(line.expandtabs(4)), _is_preformatted(line)) for line in reflow(text).splitlines()]


def preformatted_width(text: str) -> int:
    """Cells of the widest preformatted line of a lesson (0: it has none)."""
    return max((cell_len(line.rstrip().expandtabs(4)) for line in text.splitlines() if _is_preformatted(line)),
               default=0)


SIDE_WIDTH = 30  # the side pane's usual width (app.tcss)
SIDE_FRAME = 5  # its border (2), the lesson's padding (2) and scrollbar (1)
MIN_MIDDLE = 36  # columns the curve and the boundary keep when the lesson widens beside them


def lesson_layout(screen_width: int, right_width: int, formula_width: int) -> tuple[str, int | None]:
    """Where a lesson whose widest formula line has ``formula_width`` cells fits on a wide screen.

    ("side", width): beside the panes, ``width`` columns (None: the usual width);
    ("over-middle", None): over the curve column, the network and inspector stay beside it;
    ("over-all", None): the whole width (the formulas are wider than even the curve's room).
    """
    needed = formula_width + SIDE_FRAME
    if needed <= SIDE_WIDTH:
        return "side", None
    if screen_width - right_width - needed >= MIN_MIDDLE:
        return "side", needed
    if screen_width - right_width >= needed:
        return "over-middle", None
    return "over-all", None


# A formula line's label: "  forward:  z = …", "  backward: delta …" (one word and a colon, then its text).
_LABEL = re.compile(r" *[^\s:]+: +(?=\S)")
_DRAWN = re.compile(r"[|\u2500-\u259f]")  # box drawing and block elements, or a table's bars


MIN_HUNG = 20  # columns a label's hang must leave: under "backward: " at 26, 14 split "(a − y)·σ'(z)," in two


def formula_hang(line: str, width: int) -> int:
    """Where a wrapped formula line goes on: under its text after a label ("forward:  ") where that leaves
    ``MIN_HUNG`` columns, else two in from its indent (so it does not read as the next line); never past half
    the width."""
    label = _LABEL.match(line)
    if label and width - label.end() >= MIN_HUNG:
        return label.end()
    return min(len(line) - len(line.lstrip(" ")) + 2, width // 2)


def wrap_blocks(blocks: list[Block], width: int) -> list[Text]:
    """The lines the pane shows at ``width`` cells: paragraphs wrapped, formula lines wrapped with a hanging
    indent, the lines of a drawing whole."""
    lines: list[Text] = []
    width = max(width, 4)
    drawn = _drawings(blocks)
    aligned: tuple[int, int] | None = None  # (column, new indent): lines set under a label that could not hang
    for i, (markup, pre) in enumerate(blocks):
        text = Text.from_markup(markup)
        if not pre:
            aligned = None
        if not text.plain or i in drawn:
            lines.append(text)
        elif pre:
            plain = text.plain
            indent = len(plain) - len(plain.lstrip(" "))
            if aligned is not None and indent == aligned[0]:  # "so delta = …" under "backward: ": under it again
                text = Text.assemble(" " * aligned[1], text[indent:])
            hang = formula_hang(text.plain, width)
            label = _LABEL.match(text.plain)
            if label and hang != label.end() and text.cell_len > width:
                aligned = (label.end(), hang)
            lines.extend(hanging(text, width, hang))
        else:
            lines.extend(paragraph(text, width))
    return lines


def _drawings(blocks: list[Block]) -> set[int]:
    """Indexes of the preformatted lines in runs of them that draw (a table, a diagram): those keep their lines."""
    drawn: set[int] = set()
    run: list[int] = []
    for i, (markup, pre) in enumerate([*blocks, ("", False)]):
        if pre:
            run.append(i)
            continue
        if any(_DRAWN.search(blocks[j][0]) for j in run):
            drawn.update(run)
        run = []
    return drawn


class LessonText(ScrollView):
    """Blocks of lesson text: paragraphs wrap, formula lines wrap with a hanging indent, drawings scroll sideways."""

    DEFAULT_CSS = """
    LessonText {
        height: 1fr;
        scrollbar-gutter: stable;
        scrollbar-size-vertical: 1;
        scrollbar-size-horizontal: 1;
    }
    """

    def __init__(self, blocks: list[Block] | None = None, *, name: str | None = None, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._blocks: list[Block] = list(blocks or [])
        self._lines: list[Text] = []
        self._strips: dict[int, Strip] = {}
        self._wrapped_at: int | None = None

    def set_blocks(self, blocks: list[Block]) -> None:
        if blocks != self._blocks:
            self._blocks = list(blocks)
            self._wrapped_at = None
            self._rewrap()

    def lines(self, width: int | None = None) -> list[str]:
        """The plain text of each line as shown at ``width`` (default: the pane's own)."""
        if width is None:
            self._rewrap()
            return [line.plain for line in self._lines]
        return [line.plain for line in wrap_blocks(self._blocks, width)]

    def render(self) -> Text:
        """All the text, unwrapped (what the pane says, for a quick look)."""
        return Text("\n").join(Text.from_markup(markup) for markup, _ in self._blocks)

    def on_resize(self) -> None:
        self._rewrap()

    def on_mount(self) -> None:
        super().on_mount()
        self._rewrap()

    def _rewrap(self) -> None:
        width = self.scrollable_content_region.width if self.is_attached else 0
        if width <= 0:
            return
        if self._wrapped_at == width:
            return
        self._wrapped_at = width
        self._lines = wrap_blocks(self._blocks, width)
        self._strips.clear()
        widest = max((line.cell_len for line in self._lines), default=0)
        self.virtual_size = Size(max(widest, width), len(self._lines))
        self.refresh()

    def render_line(self, y: int) -> Strip:
        self._rewrap()
        scroll_x, scroll_y = self.scroll_offset
        width = self.size.width
        base = self.rich_style
        index = scroll_y + y
        if index >= len(self._lines):
            return Strip.blank(width, base)
        strip = self._strips.get(index)
        if strip is None:
            segments = list(self._lines[index].render(self.app.console))
            strip = self._strips[index] = Strip(segments)
        # A real Style on every segment: Textual's NO_COLOR filter fails on a segment without one.
        return strip.crop_extend(scroll_x, scroll_x + width, base).apply_style(base)


class LessonPane(LessonText):
    """Everything the lesson says; answers of questions not yet asked stay hidden."""

    def __init__(self, config: Config, questions_on: bool = True, **kwargs):
        super().__init__(**kwargs)
        self.questions_on = questions_on  # off: nothing is asked, so nothing is hidden
        self.show_lesson(config)

    @property
    def preformatted_width(self) -> int:
        """The widest formula line of this lesson (with every answer shown: the width never jumps)."""
        return preformatted_width(self.config.lesson)

    def show_lesson(self, config: Config) -> None:
        self.config = config
        self.differs: str | None = None  # the run's snapshots say (set_differs)
        self.goals: tuple[GoalResult, ...] = ()
        self.answers: dict[Question, str] = {}  # "correct", "wrong" or "skipped"
        self.passed: frozenset[Question] = frozenset()  # the run went past where they are asked (set_passed)
        self.hints_shown = 0
        self.solution_shown = False
        self.redraw()

    def set_differs(self, differs: str | None) -> None:
        """How the run on screen differs from the lesson's settings (the session decides, as for its notes)."""
        if differs != self.differs:
            self.differs = differs
            self.redraw()

    def unanswered(self) -> tuple[Question, ...]:
        """Questions still to come, whose answers stay hidden (none while questions are off)."""
        if not self.questions_on:
            return ()
        return tuple(q for q in self.config.questions if q not in self.answers and q not in self.passed)

    def set_passed(self, passed: frozenset[Question]) -> None:
        """Questions whose ask point the run is past, unasked or unanswered (questions were off, or the run was
        loaded): they will not come, so their answers show (QA8 B4: "= ?" for good)."""
        if passed != self.passed:
            self.passed = passed
            self.redraw()

    def set_goals(self, results: tuple[GoalResult, ...]) -> None:
        if results != self.goals:
            self.goals = results
            self.redraw()

    def set_answers(self, answers: dict[Question, str]) -> None:
        """The session's record of the questions answered (it keeps them: a step back, a reset, a saved file)."""
        if answers != self.answers:
            self.answers = dict(answers)
            self.redraw()

    def redraw(self) -> None:
        self.set_blocks(self.blocks())

    def text(self) -> str:
        """The pane's text as Rich markup (preformatted lines included as they are)."""
        return "\n".join(markup for markup, _ in self.blocks())

    def score(self) -> str:
        """The questions' score, out of those asked so far (QA8 C1: "0 of 2 correct" after one), and what is left."""
        answered = len(self.answers)
        correct = sum(v == "correct" for v in self.answers.values())
        skipped = sum(v == "skipped" for v in self.answers.values())
        missed = sum(q not in self.answers for q in self.passed) if self.questions_on else 0
        to_come = sum(q not in self.answers and q not in self.passed for q in self.config.questions)
        if not answered and not missed:  # nothing to score yet: say what is coming
            return f"none asked yet (this lesson asks {len(self.config.questions)})"
        said = [f"{correct} of {answered} correct" + (f", {skipped} skipped" if skipped else "") if answered
                else "none asked"]
        if missed:  # questions turned on late, or a loaded run: a reset asks them again
            said.append(f"{missed} passed unasked (r asks {'it' if missed == 1 else 'them'} again)")
        return "; ".join(said) + (f" ({to_come} to come)" if to_come else "")

    def blocks(self) -> list[Block]:
        c = self.config
        parts: list[list[Block]] = [[(f"[b]{escape(c.title)}[/b]", False)]]
        if self.differs:
            parts.append([(f"[i]{escape(differs_note(self.differs, challenge=bool(c.goals)))}[/i]", False)])
        if c.goals:
            met = sum(g.met for g in self.goals)
            lines = [f"[b]Goals[/b] ({met} of {len(c.goals)} met" + (": solved!)" if met == len(c.goals) else ")")]
            for g in self.goals or ():
                mark = "[green]✓[/green]" if g.met else "[red]✗[/red]"
                when = (f" (step {g.step:,})" if g.met and g.step is not None else
                        " (missed: past its deadline; r resets)" if g.missed else "")
                lines.append(f" {mark} {escape(g.text)}{when}")
            keys = []
            if c.hints:
                keys.append(f"i: a hint ({self.hints_shown} of {len(c.hints)} shown)")
            if c.solution is not None:
                keys.append("u: the solution")
            if keys:
                lines.append("[dim]" + " · ".join(keys) + "[/dim]")
            parts.append([(line, False) for line in lines])
        if c.questions:
            parts.append([(f"[b]Questions[/b]: {self.score()}" +
                           ("" if self.questions_on else " — questions off (y turns them on)"), False)])
        if c.lesson.strip():
            parts.append(lesson_blocks(mask(c.lesson, self.unanswered())))
        else:
            parts.append([("(This preset has no lesson text.)", False)])
        for i, hint in enumerate(c.hints[: self.hints_shown]):
            parts.append([(f"[b]Hint {i + 1}[/b]: {escape(hint)}", False)])
        if self.solution_shown and c.solution is not None:
            parts.append([(f"[b]Solution[/b]: {escape(c.solution.text)}", False),
                          ("[dim]u again: apply it (a new network, from step 0)[/dim]", False)])
        blocks: list[Block] = []
        for part in parts:
            if blocks:
                blocks.append(("", False))
            blocks.extend(part)
        return blocks
