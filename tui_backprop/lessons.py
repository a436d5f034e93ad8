"""What a lesson asks and checks: questions before the reveal, goals, hints, a solution, locks.

Read from the preset by ``config.py`` through ``lesson_reader.py`` (errors name file and field like every
other field);
used by the session (when to ask, goals reached), the CLI (``train --json`` goals, ``--solution``)
and the app (the prompt, the lesson pane, locked keys). No Textual here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from tui_backprop.lesson_figures import FIGURES, figure_names, fill, question_figures, question_value, show_number
from tui_backprop.schema import PHASES, resolve_phase

VALUES = ("loss", "output", "weight", "gradient")  # what a question may ask about
SIGNS = {"+": "+", "-": "−", "−": "−"}
MEASURES = {"test_loss": "test loss", "training_loss": "training loss", "accuracy": "accuracy",
            "hidden_neurons": "hidden neurons"}
# What a lesson may lock or hide: the learner's name → (form widget ids, keys' actions).
LOCKABLE = {
    "architecture": (("hidden", "output_units", "output_activation", "bias"), ()),
    "learning_rate": (("learning_rate",), ("learning_rate",)),
    "optimizer": (("optimizer", "optimizer_settings"), ()),
    "regularization": (("regularization", "regularization_rate"), ()),
    "batch_size": (("batch_size",), ()),
    "loss": (("loss",), ()),
    "data": (("dataset", "noise", "test_fraction"), ("new_data", "open_sweep_seed")),
    "features": (("features",), ()),
    "seed": (("seed",), ("open_sweep_seed",)),  # a sweep's row is another seed (and its data)
    "bias_init": (("bias_init",), ()),
    "weights": ((), ("edit_weight",)),
}


@dataclass(frozen=True)
class Question:
    """Asked before ``phase`` of ``step`` runs; its answer is what that phase computes."""

    step: int
    phase: str
    prompt: str
    answer: float | str
    tolerance: float = 0.0
    choices: tuple[str, ...] = ()
    explanation: str = ""
    value: str | None = None  # loss, output, weight, gradient: read from the session to reveal
    layer: int = 1  # 1-based, like the inspector
    neuron: int = 1
    weight: int | str = 1  # 1-based index into the neuron's weights, or "bias"
    hide: tuple[str, ...] = ()  # text the lesson must not show before the answer
    ask_at: tuple[int, str] = (0, "update")  # the (step, phase) after which it is asked

    def refusal(self, typed: str) -> str | None:
        """Why ``typed`` is no answer at all (not a number, not one of the choices), or None. Such an entry is a
        typo, not a prediction: it is refused in place, nothing is revealed or scored."""
        typed = typed.strip()
        if self.choices:
            if _normal_choice(typed, self.choices) is None:
                return f"{typed!r} is not one of the choices: {'  '.join(self.choices)}"
            return None
        try:
            read_number(typed)
        except ValueError as exc:
            return str(exc)
        return None

    def check(self, typed: str, truth: float | str | None = None) -> tuple[bool, str]:
        """(correct?, what to say). ``truth``: the value the session computed, when known."""
        typed = typed.strip()
        if self.choices:
            want = self.true_choice(truth)
            got = _normal_choice(typed, self.choices)
            if got is None:
                return False, f"expected one of {' '.join(self.choices)}; the answer is {want}"
            return (got == want, "correct" if got == want else f"not quite: the answer is {want}")
        try:
            number = read_number(typed)
        except ValueError as exc:
            return False, str(exc)
        want = float(self.answer if truth is None else truth)
        diff = number - want
        if abs(diff) <= self.tolerance or math.isclose(number, want, rel_tol=1e-9, abs_tol=1e-12):
            return True, "correct"
        return False, f"off by {_signed(diff)}: the value is {show_number(want)}"

    @property
    def asks_sign(self) -> bool:
        return bool(self.choices) and set(self.choices) <= {"+", "−", "0"}

    def true_choice(self, truth) -> str:
        """The right choice: for a sign question, the sign of the value the session computed."""
        if truth is not None and self.asks_sign:
            return "+" if truth > 0 else "−" if truth < 0 else "0"
        return str(self.answer)


def read_number(typed: str, what: str = "a prediction") -> float:
    """A typed prediction (or weight: ``what``) as a number: "−8" (the app's minus) and a decimal comma ("-8,0",
    as much of Europe writes it) read too. ValueError says why not, with examples."""
    text = typed.strip().replace("−", "-")
    if "," in text:
        if text.count(",") > 1 or "." in text:  # "1,000.5": a thousands separator, not a decimal comma
            raise ValueError(f"{typed.strip()!r}: write one decimal point or comma and no thousands separator, "
                             "e.g. -8.5 or -8,5")
        text = text.replace(",", ".")
    try:
        number = float(text)
        if math.isnan(number):
            raise ValueError
    except ValueError:
        raise ValueError(f"{typed.strip()!r} is not a number, e.g. 0.5 or -2") from None
    if not math.isfinite(number):
        raise ValueError(f"{typed.strip()!r} is too large to be {what}")
    return number


def _normal_choice(typed: str, choices: tuple[str, ...]) -> str | None:
    typed = SIGNS.get(typed, typed)
    for choice in choices:
        if typed.lower() == choice.lower():
            return choice
    return None


def _signed(value: float) -> str:
    return ("+" if value > 0 else "") + show_number(value)


def answer_texts(question: Question) -> tuple[str, ...]:
    """The ways a lesson's text may spell the answer (hidden until it is given)."""
    out = list(question.hide)
    if not question.choices and isinstance(question.answer, float):
        plain = f"{question.answer:g}"
        out += [plain, plain.replace("-", "−")]
    return tuple(dict.fromkeys(t for t in out if t))


def mask(text: str, questions) -> str:
    """``text`` with the answers of ``questions`` (not answered yet) replaced by "?"."""
    for q in questions:
        for answer in sorted(answer_texts(q), key=len, reverse=True):
            text = _replace_number(text, answer)
    return text


def _replace_number(text: str, answer: str) -> str:
    out, start = [], 0
    while True:
        i = text.find(answer, start)
        if i < 0:
            return "".join(out) + text[start:]
        j = i + len(answer)
        before = text[i - 1] if i else " "
        after = text[j] if j < len(text) else " "
        whole = not (before.isdigit() or before == ".") and not (after.isdigit() or
                                                                 (after == "." and text[j + 1: j + 2].isdigit()))
        out.append(text[start:i] + ("?" if whole else answer))
        start = j


def ask_point(step: int, phase: str, layers: int) -> tuple[int, str]:
    """The (step, phase) right before ``phase`` of ``step``: the question is asked there.

    A coarse name asks before the whole coarse phase ("backward": after the loss), a per-layer
    name before that layer ("backward L1": after backward L2).
    """
    if phase in ("forward", "forward L1"):
        return step - 1, "update"
    if phase.startswith("forward L"):
        return step, f"forward L{int(phase[9:]) - 1}"
    if phase == "loss":
        return step, "forward"
    if phase in ("backward", f"backward L{layers}"):
        return step, "loss"
    if phase.startswith("backward L"):
        return step, f"backward L{int(phase[10:]) + 1}"
    return step, "backward"


def ask_point_passed(question: Question, step: int, phases_done: tuple[str, ...], phases: tuple[str, ...]) -> bool:
    """Has a run with ``step`` steps done (and ``phases_done`` of the next) gone past where ``question`` is asked?

    Asked there or not (questions were off, or the run was loaded from a file), it will not come again before a
    step back or a reset: its answer is no longer to be predicted. At the very start nothing is passed.
    """
    if not phases:
        return False
    layers = (len(phases) - 2) // 2
    at_step, at_phase = question.ask_at
    asked_at = (at_step, phases.index(resolve_phase(at_phase, layers)))
    here = (step + 1, len(phases_done) - 1) if 0 < len(phases_done) < len(phases) else (step, len(phases) - 1)
    return asked_at <= here and here != (0, len(phases) - 1)


def phase_reached(done: str | None, wanted: str, layers: int) -> bool:
    """Has the phase ``done`` just completed the phase a lesson calls ``wanted``?"""
    if done == wanted:
        return True
    return (wanted, done) in (("forward", f"forward L{layers}"), ("backward", "backward L1"))


# -------------------------------------------------------------------- goals
@dataclass(frozen=True)
class Goal:
    measure: str
    at_most: float | None = None
    at_least: float | None = None
    within_epochs: int | None = None
    by_step: int | None = None

    @property
    def text(self) -> str:
        name = MEASURES[self.measure]
        if self.measure == "hidden_neurons":
            return f"at most {self.at_most:g} hidden neurons"
        unit = " %" if self.measure == "accuracy" else ""
        bound = f"≤ {self.at_most:g}" if self.at_most is not None else f"≥ {self.at_least:g}"
        when = (f" within {self.within_epochs:,} epochs" if self.within_epochs else
                f" by step {self.by_step:,}" if self.by_step else "")
        return f"{name} {bound}{unit}{when}"

    def holds(self, value: float | None) -> bool:
        if value is None or not math.isfinite(value):
            return False
        if self.measure == "accuracy":
            value *= 100.0
        if self.at_most is not None and value > self.at_most:
            return False
        return not (self.at_least is not None and value < self.at_least)

    def too_late(self, step: int, epoch: int) -> bool:
        return (self.within_epochs is not None and epoch > self.within_epochs) or \
               (self.by_step is not None and step > self.by_step)

    def last_chance(self, step: int, epoch: int) -> bool:
        """At (or past) its deadline: unmet here, it is missed here, not an epoch later (QA8 K1)."""
        return (self.within_epochs is not None and epoch >= self.within_epochs) or \
               (self.by_step is not None and step >= self.by_step)


@dataclass(frozen=True)
class GoalResult:
    text: str
    met: bool
    step: int | None  # where it was first met (None: not met, or not about training)
    missed: bool = False  # its deadline passed unmet

    def as_json(self) -> dict:
        return {"text": self.text, "met": self.met, "step": self.step}


class GoalTracker:
    """Checks a lesson's goals at every epoch end (where test loss and accuracy are measured)."""

    def __init__(self, goals, hidden_neurons: int):
        self.goals = tuple(goals)
        self.hidden_neurons = hidden_neurons
        self._met: dict[int, int] = {}
        self._missed: set[int] = set()
        self.announced = False  # the run has stopped once to say every goal is decided
        for i, g in enumerate(self.goals):
            if g.measure == "hidden_neurons" and g.holds(float(hidden_neurons)):
                self._met[i] = 0

    def record(self, step: int, epoch: int, training_loss, test_loss, accuracy) -> None:
        values = {"training_loss": training_loss, "test_loss": test_loss, "accuracy": accuracy}
        for i, g in enumerate(self.goals):
            if i in self._met or g.measure == "hidden_neurons":
                continue
            if not g.too_late(step, epoch) and g.holds(values[g.measure]):
                self._met[i] = step
            elif g.last_chance(step, epoch):
                self._missed.add(i)

    def results(self) -> tuple[GoalResult, ...]:
        out = []
        for i, g in enumerate(self.goals):
            about_training = g.measure != "hidden_neurons"
            out.append(GoalResult(g.text, i in self._met, self._met.get(i) if about_training else None,
                                  i in self._missed and i not in self._met))
        return tuple(out)

    @property
    def decided(self) -> bool:
        """Every goal is met or past its deadline: nothing more to see for them."""
        return bool(self.goals) and all(i in self._met or i in self._missed for i in range(len(self.goals)))

    def verdict(self, step: int) -> str:
        met = len(self._met)
        if met == len(self.goals):
            return f"Stopped: every goal is met (at step {step:,}). Press space to train on."
        n, missed = len(self.goals), len(self.goals) - met
        what = "the goal was" if n == 1 else f"{missed} of {n} goals were"
        return f"Stopped at step {step:,}: {what} not met in time. Press r to try again, i for a hint."

    def state(self) -> dict:
        return {"met": dict(self._met), "missed": sorted(self._missed), "announced": self.announced}

    def load_state(self, state: dict) -> None:
        self._met = {int(i): int(step) for i, step in state["met"].items()}
        self._missed = {int(i) for i in state["missed"]}
        self.announced = bool(state.get("announced", False))

    @property
    def all_met(self) -> bool:
        return bool(self.goals) and len(self._met) == len(self.goals)


# ------------------------------------------------------------ solution, locks
@dataclass(frozen=True)
class Solution:
    text: str
    config: object  # the solved Config
    changes: str  # the tables it changes, as JSON (kept to write the preset back)


@dataclass(frozen=True)
class Locks:
    locked: tuple[str, ...] = ()
    hidden: tuple[str, ...] = ()
    why: str = "This lesson keeps it fixed, so the class turns one knob."

    def blocks(self, name: str) -> bool:
        return name in self.locked or name in self.hidden

    def widgets(self, which: tuple[str, ...]) -> set[str]:
        return {w for name in which for w in LOCKABLE[name][0]}

    def action_lock(self, action: str) -> str | None:
        """The lockable name that stops a key's action, if any: the seed's where it is one of them (a sweep's row
        changes the seed first, its data with it), else the first locked one."""
        blocking = [name for name in self.locked + self.hidden if action in LOCKABLE[name][1]]
        if "seed" in blocking:
            return "seed"
        return blocking[0] if blocking else None


__all__ = ["Question", "Goal", "GoalTracker", "GoalResult", "Solution", "Locks", "PHASES", "mask", "ask_point",
           "phase_reached", "question_value", "show_number", "FIGURES", "fill", "figure_names", "question_figures"]
