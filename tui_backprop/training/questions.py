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
    for i, q in enumerate(config.questions):
        if i not in seen:
            raise ConfigError(config.path, f"questions[{i}].step", f"never asked: training did not reach step "
                              f"{q.step}, {q.phase} (halted, or a phase this session does not stop at)")
