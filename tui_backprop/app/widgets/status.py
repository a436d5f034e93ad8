"""One-line status: where the run is, in numbers.

When the line is wider than the terminal, the least important parts get
shorter or go first (``FITTING``): lr and the speed level stay at 80 columns,
so + − , . are seen to work; the loss and the step never go.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual.widget import Widget

from tui_backprop.app.graph_layout import lesson_renames
from tui_backprop.core.figures import fmt, measured
from tui_backprop.training.runner import per_second, speed_text
from tui_backprop.training.session import Snapshot

# What gives way, in this order, when the line is wider than the terminal: a teacher at 80 columns keeps
# the state, the step, the loss, the accuracy (lessons point to it here; the test loss has its curve), lr
# and the speed level (+ − , . change them). Each name takes its part one form shorter; the loss, the step
# and the state are never dropped.
# The end-of-epoch figures' "(step N)" marks give way together ("marks": the test loss and the accuracy are
# never left one marked, one not). Paused, the test loss shows only with its mark (no reading it as this step's)
# and the epoch gives way before the marks; running, the marks go first, so the epoch stays at 80 columns.
# Compare mode's run label ("prefix") gives way before the speed and lr: the line has lr, the curve the label.
FITTING = ("measured", "epoch", "step", "speed", "prefix", "loss", "state", "pause", "test", "marks", "acc", "phase",
           "pause", "prefix", "speed", "lr")
FITTING_RUNNING = ("measured", "step", "speed", "prefix", "loss", "marks", "test", "state", "pause", "epoch", "acc",
                   "phase", "pause", "prefix", "speed", "lr")
TOGETHER = {"marks": ("test", "acc")}  # a name in FITTING for parts that give way (and come back) together

STATE_STYLES = {"running": "bold green", "paused": "bold yellow", "halted": "bold red",
                "paused after backward": "bold magenta", "replaying": "bold cyan"}


def at_step(steps, step: int) -> str:
    """" (step N)": the step an end-of-epoch figure was measured at (``steps``' last), if not ``step``."""
    at = int(steps[-1]) if steps is not None and len(steps) else step
    return f" (step {at:,})" if at != step else ""


class StatusLine(Widget):
    DEFAULT_CSS = """
    StatusLine { height: 1; background: $panel; padding: 0 1; }
    """

    def __init__(self, *args, speed_keys: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.speed_keys = speed_keys  # "(, .)" after the speed: only where , and . change it
        self._last: tuple[Snapshot, str] | None = None
        self._text = Text()

    def render(self) -> Text:
        return self._text

    def update(self, text: Text) -> None:
        # A one-line widget of fixed height: repaint it without a layout pass of the whole screen.
        self._text = text
        self.refresh()

    def parts(self, snap: Snapshot) -> dict[str, tuple[tuple[str, ...], str]]:
        """Each part's forms, longest first ("" drops it), and its style; ``FITTING`` says which give way."""
        state = snap.state_word
        replaying = state == "replaying"
        label = f"replaying to step {snap.replaying_to:,} (space stops)" if replaying else state
        # "paused after backward" can shorten to "paused": the step's phase beside it says where
        out = {"state": ((f"● {label}", "● paused" if state.startswith("paused") else f"● {label}"),
                         STATE_STYLES[state])}
        # Say which step a phase belongs to: mid-step, the step in progress is one past the count.
        # A replay shows the step it has reached, so the loss beside it is that step's.
        if snap.last_phase not in (None, "update"):
            step = f"step {snap.step + 1:,}: {snap.last_phase}"
            out["phase"] = ((f"{step} done", step), "")  # "done" goes late: mid-step it says the phase has run
        elif snap.step == 0:
            out["step"] = (("no steps yet",), "")
        else:
            out["step"] = ((f"step {snap.step:,} done", f"step {snap.step:,}"), "")
        out["epoch"] = ((f"epoch {snap.epoch:,}", ""), "")
        named = dict(lesson_renames(self)).get("L")
        # Mid-step before the loss phase the loss on screen is the last step's: say so.
        loss_of = (f" (step {snap.step:,})" if snap.loss is not None and snap.last_phase is not None
                   and snap.last_phase.startswith("forward") else "")
        # "batch": the loss of the step's own forward pass, before its update, not the training loss at epoch end.
        loss = f"loss {named + ' ' if named else ''}{measured(snap.loss)}{loss_of}"  # lesson's name (C)
        out["loss"] = ((f"batch {loss}", loss), "")
        # End-of-epoch figures say the step they were measured at once the run has moved on from there
        # (FITTING: while paused the test loss shows only so).
        if snap.test_loss is not None:
            test = f"test loss {measured(snap.test_loss)}"
            marked = f"{test}{at_step(snap.test_steps, snap.step)}"
            out["test"] = ((marked, test, "") if snap.running else (marked, ""), "")
        if snap.accuracy is not None:
            # the end-of-epoch accuracy is the test data's when there is any (training/step.py)
            acc = f"{'test' if snap.test_loss is not None else 'train'} acc {snap.accuracy:.0%}"
            out["acc"] = ((f"{acc}{at_step(snap.accuracy_steps, snap.step)}", acc, ""), "")
        out["lr"] = ((f"lr {fmt(snap.learning_rate)}", ""), "")
        if not replaying:  # a replay runs at full speed whatever the level
            # The speed level and its keys, so a class sees why the run is slow.
            speed = speed_text(snap.speed_limit)
            out["speed"] = ((f"{speed} (, .)" if self.speed_keys else speed, speed, ""), "cyan")
        if snap.running:
            out["measured"] = ((per_second(snap.steps_per_second), ""), "dim")
        if snap.pause_after != "none" and state != "paused after " + snap.pause_after:
            short = snap.pause_after.replace("backward", "bwd").replace("forward", "fwd")  # the footer's words
            out["pause"] = ((f"pauses after {snap.pause_after}", f"pauses after {short}", ""), "magenta")
        return out

    def show(self, snap: Snapshot, prefix: str | tuple[str, ...] = "") -> None:
        """``prefix``: markup before the parts, or its forms longest first (they give way as the parts do)."""
        self._last = (snap, (prefix,) if isinstance(prefix, str) else tuple(prefix))
        self._render_line()

    def on_resize(self) -> None:
        if self._last is not None:
            self._render_line()

    def _render_line(self) -> None:
        snap, prefixes = self._last
        self.update(fitted(self.parts(snap), prefixes, max(self.size.width, 20), snap.running))


def fitted(parts: dict[str, tuple[tuple[str, ...], str]], prefixes: tuple[str, ...], width: int,
           running: bool) -> Text:
    """The line of ``parts`` (``StatusLine.parts``) after ``prefixes``' form that fits ``width`` cells."""
    heads = [Text.from_markup(p) if p else Text() for p in prefixes]
    form = dict.fromkeys(parts, 0)
    form["prefix"] = 0
    forms = {name: len(part[0]) for name, part in parts.items()} | {"prefix": len(heads)}

    def line() -> list[tuple[str, str]]:
        return [(texts[form[name]], style) for name, (texts, style) in parts.items() if texts[form[name]]]

    def fits() -> bool:
        return heads[form["prefix"]].cell_len + sum(cell_len(t) + 2 for t, _ in line()) - 2 <= width

    given: list[list[tuple[str, int]]] = []  # each step of giving way: (part, the form it went to)
    for entry in FITTING_RUNNING if running else FITTING:
        if fits():
            break
        step = [(n, form[n] + 1) for n in TOGETHER.get(entry, (entry,)) if n in forms and form[n] < forms[n] - 1]
        for name, to in step:
            form[name] = to
        if step:
            given.append(step)
    for step in reversed(given):  # room left over: the later (more important) parts take it back first
        back = [(name, to) for name, to in step if form[name] == to]  # (not a part a later step took further)
        for name, to in back:
            form[name] = to - 1
        if not fits():
            for name, to in back:
                form[name] = to
    text = heads[form["prefix"]].copy()
    for i, (t, style) in enumerate(line()):
        if i:
            text.append("  ")
        text.append(t, style=style)
    return text
