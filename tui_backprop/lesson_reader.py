"""Reading a lesson's tables from a preset: ``[[questions]]``, ``[[goals]]``, ``hints``, ``[locks]``.

Called by ``config.py`` with its reader ``r`` (``config_reader.py``), so every problem is one
``ConfigError`` naming the file and the field; the lesson objects themselves are ``lessons.py``'s.
"""

from __future__ import annotations

from tui_backprop.lesson_figures import AFTER_PHASE, FIGURES, figure_names
from tui_backprop.lessons import LOCKABLE, MEASURES, SIGNS, VALUES, Goal, Locks, Question, ask_point
from tui_backprop.schema import MAX_STEPS, phase_names

QUESTION_KEYS = {"step", "phase", "prompt", "answer", "tolerance", "choices", "explanation", "value", "layer",
                 "neuron", "weight", "hide"}
GOAL_KEYS = {"measure", "at_most", "at_least", "within_epochs", "by_step"}
LOCK_KEYS = {"locked", "hidden", "why"}


def parse_questions(r, raw, layer_units: tuple[int, ...], fan_ins: tuple[int, ...]) -> tuple[Question, ...]:
    items = raw.get("questions", [])
    if not isinstance(items, list):
        r.fail("questions", "expected [[questions]] tables")
    layers = len(layer_units)
    out = []
    for i, q in enumerate(items):
        name = f"questions[{i}]"
        r.table(q, name, QUESTION_KEYS)
        for key in ("step", "prompt", "answer"):
            if key not in q:
                r.fail(f"{name}.{key}", "missing; a question needs a step, a prompt and an answer")
        step = r.integer(q["step"], f"{name}.step", 1, MAX_STEPS)
        phase = r.choice(q.get("phase", "update"), f"{name}.phase", phase_names(layers))
        if step == 1 and phase in ("forward", "forward L1"):
            r.fail(f"{name}.phase", "a question is asked before its phase runs, and step 1's forward pass has "
                   "nothing before it: ask from step 2, or at a later phase")
        prompt = r.string(q["prompt"], f"{name}.prompt")
        if not prompt.startswith("Predict"):
            r.fail(f"{name}.prompt", f"expected a prompt beginning with \"Predict\", got {prompt[:30]!r}")
        choices = ()
        if "choices" in q:
            if not isinstance(q["choices"], list) or not 2 <= len(q["choices"]) <= 6:
                r.fail(f"{name}.choices", "expected a list of 2 to 6 short answers, like [\"+\", \"−\"]")
            choices = tuple(SIGNS.get(c, c) if isinstance(c, str) else r.string(c, f"{name}.choices")
                            for c in q["choices"])
        if choices:
            answer = SIGNS.get(q["answer"], q["answer"]) if isinstance(q["answer"], str) else q["answer"]
            answer = r.choice(answer, f"{name}.answer", choices)
        else:
            answer = r.number(q["answer"], f"{name}.answer")
        tolerance = r.number(q.get("tolerance", 0.0), f"{name}.tolerance", 0.0)
        if choices and "tolerance" in q:
            r.fail(f"{name}.tolerance", "only a number answer has a tolerance; this question has choices")
        value = q.get("value")
        if value is not None:
            value = r.choice(value, f"{name}.value", VALUES)
        layer = r.integer(q.get("layer", layers), f"{name}.layer", 1, layers)
        neuron = r.integer(q.get("neuron", 1), f"{name}.neuron", 1, layer_units[layer - 1])
        weight = q.get("weight", 1)
        if weight != "bias":
            weight = r.integer(weight, f"{name}.weight", 1, fan_ins[layer - 1])
        hide = q.get("hide", [])
        if not isinstance(hide, list):
            r.fail(f"{name}.hide", "expected a list of texts to hide until the answer, like [\"3.48\"]")
        hide = tuple(r.string(h, f"{name}.hide[{j}]") for j, h in enumerate(hide))
        explanation = r.string(q.get("explanation", ""), f"{name}.explanation")
        for key, text in (("prompt", prompt), ("explanation", explanation)):
            for figure in figure_names(text):
                if figure not in FIGURES or (key == "prompt" and figure in AFTER_PHASE):
                    known = ", ".join(f for f in FIGURES if key == "explanation" or f not in AFTER_PHASE)
                    r.fail(f"{name}.{key}", f"expected figures from {known} in braces, got {{{figure}}}")
        asked = ask_point(step, phase, layers)
        if any(other.ask_at == asked for other in out):
            r.fail(f"{name}.phase", f"another question is already asked before step {step}, {phase}: give each "
                   "question its own step or phase")
        out.append(Question(step, phase, prompt, answer, tolerance, choices, explanation, value, layer, neuron,
                            weight, hide, asked))
    return tuple(out)


def parse_goals(r, raw) -> tuple[Goal, ...]:
    items = raw.get("goals", [])
    if not isinstance(items, list):
        r.fail("goals", "expected [[goals]] tables")
    out = []
    for i, g in enumerate(items):
        name = f"goals[{i}]"
        r.table(g, name, GOAL_KEYS)
        if "measure" not in g:
            r.fail(f"{name}.measure", f"missing; expected one of {', '.join(MEASURES)}")
        measure = r.choice(g["measure"], f"{name}.measure", tuple(MEASURES))
        if ("at_most" in g) == ("at_least" in g):
            r.fail(name, "expected one bound: at_most or at_least")
        high = 100.0 if measure == "accuracy" else None
        at_most = r.number(g["at_most"], f"{name}.at_most", 0.0, high) if "at_most" in g else None
        at_least = r.number(g["at_least"], f"{name}.at_least", 0.0, high) if "at_least" in g else None
        if measure == "hidden_neurons" and (at_most is None or "within_epochs" in g or "by_step" in g):
            r.fail(name, "hidden_neurons takes at_most only (the network's size, not a moment in training)")
        if "within_epochs" in g and "by_step" in g:
            r.fail(name, "expected one deadline: within_epochs or by_step")
        within = r.integer(g["within_epochs"], f"{name}.within_epochs", 1) if "within_epochs" in g else None
        by_step = r.integer(g["by_step"], f"{name}.by_step", 1) if "by_step" in g else None
        out.append(Goal(measure, at_most, at_least, within, by_step))
    return tuple(out)


def parse_hints(r, raw) -> tuple[str, ...]:
    hints = raw.get("hints", [])
    if not isinstance(hints, list):
        r.fail("hints", "expected a list of texts, like hints = [\"Try fewer layers.\"]")
    return tuple(r.string(h, f"hints[{i}]") for i, h in enumerate(hints))


def parse_locks(r, raw) -> Locks:
    table = raw.get("locks")
    if table is None:
        return Locks()
    r.table(table, "locks", LOCK_KEYS)
    lists = []
    for key in ("locked", "hidden"):
        items = table.get(key, [])
        if not isinstance(items, list):
            r.fail(f"locks.{key}", f"expected a list from {', '.join(LOCKABLE)}")
        lists.append(tuple(r.choice(v, f"locks.{key}[{i}]", tuple(LOCKABLE)) for i, v in enumerate(items)))
    why = r.string(table.get("why", Locks.why), "locks.why")
    return Locks(lists[0], lists[1], why)
