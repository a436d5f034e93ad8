"""A lesson's questions answered by the session itself: the check behind ``presets --check``."""

from __future__ import annotations

from tui_backprop.config import Config, ConfigError
from tui_backprop.lessons import phase_reached, question_value, show_number
from tui_backprop.training.session import Session


def asked_values(config: Config):
    """Run the lesson headless and yield (index, question, true value) as each question comes up."""
    session = Session(config)
    session.pause_after = "none"
    session.ask_questions = True
    layers = len(session.network.layers)
    pending = {q: i for i, q in enumerate(config.questions)}
    last = max((q.step for q in config.questions), default=0)
    while pending and not session.halted and session.step_count <= last:
        q = session.question
        if q is None:
            session.run(1)  # stops early where a question is due
            continue
        for _ in range(4 * layers + 4):
            if session.advance_phase() is None or phase_reached(session.last_phase, q.phase, layers):
                break
        yield pending.pop(q), q, question_value(session.snapshot(grid=False), q)


def check_answers(config: Config) -> None:
    """Every question's stated answer must be what the session computes (ConfigError otherwise)."""
    seen = set()
    for i, q, truth in asked_values(config):
        seen.add(i)
        if truth is None:
            continue
        if q.choices:
            if q.asks_sign and q.true_choice(truth) != q.answer:
                raise ConfigError(config.path, f"questions[{i}].answer", f"expected {q.true_choice(truth)!r} "
                                  f"(the value is {show_number(truth)}), got {q.answer!r}")
        elif abs(truth - float(q.answer)) > q.tolerance:
            raise ConfigError(config.path, f"questions[{i}].answer", f"expected {show_number(truth)} within "
                              f"{q.tolerance:g} (what the session computes), got {show_number(float(q.answer))}")
    for i, q, figure in giveaways(config):
        raise ConfigError(config.path, f"questions[{i}].hide", f"expected {figure!r} in hide: the lesson shows it "
                          f"before the question is asked, and the answer follows from it")
    for i, q in enumerate(config.questions):
        if i not in seen:
            raise ConfigError(config.path, f"questions[{i}].step", f"never asked: training did not reach step "
                              f"{q.step}, {q.phase} (halted, or a phase this session does not stop at)")


def _spellings(value: float) -> set[str]:
    """How a lesson may write ``value``'s size: rounded to 1–4 decimals when that is within 0.5%, or exact."""
    size = abs(value)
    out = {f"{size:g}"}
    for decimals in range(1, 5):
        text = f"{size:.{decimals}f}"
        if abs(float(text) - size) <= 0.005 * size:
            out.add(text)
    return {t for t in out if float(t) != 0}


def _written(text: str, number: str) -> bool:
    """``number`` appears in ``text`` as a whole number (not as part of a longer one)."""
    import re

    return re.search(rf"(?<![\d.]){re.escape(number)}(?!\d|\.\d)", text) is not None


def giveaways(config: Config):
    """Yield (index, question, figure) for each figure shown before a question that gives its answer away.

    The text before a question: the lesson and the notes shown so far, with the answers of questions not yet
    answered hidden. Figures that give it away: the answer and the question's ``hide`` values; for a gradient,
    the gradient, the update it makes (−lr·∂) and the new value (for a bias's, the neuron's δ, those of each of
    the neuron's weights too); for a weight after the update, the new value and the change.
    """
    from tui_backprop.lessons import answer_texts, mask

    twin = Session.headless(config)  # whole steps: no pause point, no notes
    steps = {}
    for step in range(1, max((q.step for q in config.questions), default=0) + 1):
        before = [(layer.weights.copy(), None if layer.biases is None else layer.biases.copy())
                  for layer in twin.network.layers]
        twin.run(1)
        snap = twin.snapshot(grid=False)
        steps[step] = (before, snap)
    session = Session(config)
    session.pause_after = "none"
    session.ask_questions = True
    shown = [config.lesson]
    answered: list = []
    last = max((q.step for q in config.questions), default=0)
    while len(answered) < len(config.questions) and not session.halted and session.step_count <= last:
        q = session.question
        if q is None:
            session.run(1)  # stops early where a note or a question is due
            if session.message and session.message not in shown:
                shown.append(session.message)
            continue
        text = mask("\n".join(shown), [p for p in config.questions if p not in answered])
        figures = set(answer_texts(q))
        if q.value in ("gradient", "weight") and q.step in steps:
            before, snap = steps[q.step]
            layer, row = q.layer - 1, q.neuron - 1
            info = snap.layers[layer]
            old_w, old_b = before[layer]
            olds = list(old_w[row]) + ([] if old_b is None else [old_b[row]])
            news = list(info.weights[row]) + ([] if info.biases is None else [info.biases[row]])
            grads = list(info.grad_weights[row]) + ([] if info.grad_biases is None else [info.grad_biases[row]])
            asked = len(old_w[row]) if q.weight == "bias" else q.weight - 1
            if q.value == "gradient":
                # A bias's gradient is the neuron's δ: each weight's gradient is δ·x, with x on screen.
                which = range(len(olds)) if q.weight == "bias" else [asked]
                values = [v for i in which for v in (grads[i], news[i] - olds[i], news[i])]
            else:
                values = [news[asked], news[asked] - olds[asked]]
            for value in values:
                figures |= _spellings(float(value))
        for figure in sorted(figures):
            if _written(text.replace("−", "-"), figure.replace("−", "-").lstrip("+-")):
                yield config.questions.index(q), q, figure
        answered.append(q)
        session.question = None
