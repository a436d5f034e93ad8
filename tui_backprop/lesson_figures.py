"""A lesson question's figures: the numbers of the loaded run its prompt and explanation state, as {name}.

Filled from a snapshot, so another seed, new data, a changed learning rate or a weight the learner set
with w reads its own numbers. No Textual here.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tui_backprop.lessons import Question


def show_number(value: float) -> str:
    """A number as the lessons write it: 6 significant digits, a real minus sign."""
    return f"{value:.6g}".replace("-", "−")


# Figures a question's prompt and explanation may name, as {name} or {name:.3f} (a Python format): filled
# from the run that is loaded, so another seed, new data or an edited weight gets its own numbers (a worked
# "−6 · 4 · 2 = −48" written as figures stays right after the learner sets w2 with w).
FIGURES = {
    "output_mean": "the mean of the batch's outputs (the question's neuron)",
    "target_mean": "the mean of the batch's targets (the question's neuron)",
    "lr": "the learning rate",
    "relu_state": "the question's ReLU this step: \"a dead ReLU\" (z < 0 for every point of the batch), or alive",
    "relu_note": "nothing when the question's ReLU is dead, else a sentence saying it is alive in this run",
    "value": "the value asked about (the explanation only: the prompt is shown before it is computed)",
    "grad": "the gradient of the parameter asked about, this step's (the explanation only)",
    "change": "the update just applied to the weight asked about (an update question's explanation)",
    "old": "the weight asked about before that update (an update question's explanation)",
    "weight": "the weight (or bias) asked about, as the snapshot has it (an update's explanation: after it)",
    "input": "the input the weight asked about multiplies, its batch mean (x in the chain rule; 1 for a bias)",
    "next_weight": "the weight from the question's neuron to the next layer's first neuron (w2 in w2·(w1·x))",
    "error": "output_mean − target_mean: the error signal ŷ − y (the question's neuron)",
    "f_prime": "f'(z) of the question's neuron, its batch mean (σ'(z) for a sigmoid)",
    "value_sign": "the value's sign in words: negative, positive or zero (the explanation only)",
    "update_moves": "what gradient descent does to a gradient's parameter: raises, lowers or leaves (explanation)",
}
AFTER_PHASE = {"value", "value_sign", "update_moves", "grad", "change", "old"}  # known once the phase asked about has run
_FIGURE = re.compile(r"\{(\w+)(?::([^{}]*))?\}")


def figure_names(text: str) -> list[str]:
    """The figures ``text`` names as {name} or {name:format}."""
    return [m.group(1) for m in _FIGURE.finditer(text)]


def question_figures(snap, q: Question) -> dict[str, float | str]:
    """The figures of ``FIGURES`` that ``snap`` has (those it has not are left out)."""
    out = {"lr": float(snap.learning_rate)}
    column = q.neuron - 1
    if snap.output is not None and snap.batch_y is not None and column < snap.output.shape[1]:
        out["output_mean"] = float(snap.output[:, column].mean())
        out["target_mean"] = float(snap.batch_y[:, column].mean())
    if "output_mean" in out:
        out["error"] = out["output_mean"] - out["target_mean"]
    layer = snap.layers[q.layer - 1] if q.layer <= len(snap.layers) else None
    out.update(_chain_figures(snap, q, layer))
    if layer is not None and layer.z is not None and q.neuron <= layer.units:
        live = int((layer.z[:, q.neuron - 1] > 0).sum())
        out["relu_state"] = "a dead ReLU" if live == 0 else \
            f"a live ReLU (z > 0 for {live:,} of the batch's {len(layer.z):,} points)"
        out["relu_note"] = "" if live == 0 else \
            f"In this run neuron {q.neuron} is alive (z > 0 for {live:,} points), so its gradients need not be 0. "
    if q.value in ("weight", "gradient") and layer is not None \
            and (layer.grad_biases if q.weight == "bias" else layer.grad_weights) is not None:
        out["grad"] = _asked(q, layer.grad_weights, layer.grad_biases)
        if q.value == "weight" and q.phase == "update":
            out["change"] = _asked(q, layer.update_weights, layer.update_biases)
            out["old"] = _asked(q, layer.weights, layer.biases) - out["change"]
    value = question_value(snap, q)
    if value is not None:
        out["value"] = value
        out["value_sign"] = "negative" if value < 0 else "positive" if value > 0 else "zero"
        if q.value == "gradient":  # a step against the gradient's sign
            out["update_moves"] = "raises" if value < 0 else "lowers" if value > 0 else "leaves"
    return out


def _chain_figures(snap, q: Question, layer) -> dict[str, float]:
    """The factors of the chain rule at the question's weight: the weight, its input, f'(z), the next weight."""
    out: dict[str, float] = {}
    if layer is None or q.neuron > layer.units:
        return out
    bias = q.weight == "bias"
    if bias or q.weight <= layer.fan_in:
        out["weight"] = _asked(q, layer.weights, layer.biases)
    if bias:
        out["input"] = 1.0
    elif layer.inputs is not None and q.weight <= layer.fan_in:
        out["input"] = float(layer.inputs[:, q.weight - 1].mean())
    if layer.f_prime is not None:
        out["f_prime"] = float(layer.f_prime[:, q.neuron - 1].mean())
    if q.layer < len(snap.layers):
        out["next_weight"] = float(snap.layers[q.layer].weights[0, q.neuron - 1])
    return out


def fill(text: str, figures: dict[str, float | str]) -> str:
    """``text`` with each {name} replaced by that figure (a real minus sign); "?" for one not known."""
    def one(m: re.Match) -> str:
        value = figures.get(m.group(1))
        if value is None:
            return "?"
        if isinstance(value, str):
            return value
        spec = m.group(2) or ""
        sign = ""
        if spec.startswith("±"):  # an operator: "+ 0.48" or "− 0.48", as in "3 + 0.48 = 3.48"
            sign, value, spec = ("− " if value < 0 else "+ "), abs(value), spec[1:]
        try:
            text = sign + (format(value, spec) if spec else show_number(value))
        except ValueError:  # a format Python does not know: the lesson's usual digits
            text = show_number(value)
        return text.replace("-", "−")

    return _FIGURE.sub(one, text)


def question_value(snap, q: Question) -> float | None:
    """The value a question asks about, read from a snapshot (None: the question names none)."""
    if q.value is None:
        return None
    if q.value == "loss":
        return snap.loss
    if q.value == "output":
        return None if snap.output is None else float(snap.output[0, q.neuron - 1])
    layer = snap.layers[q.layer - 1]
    if q.value == "weight":
        return _asked(q, layer.weights, layer.biases)
    return _asked(q, layer.grad_weights, layer.grad_biases)


def _asked(q: Question, weights, biases) -> float:
    """The entry of a layer's weights (or of its biases) that question ``q`` asks about."""
    return float(biases[q.neuron - 1] if q.weight == "bias" else weights[q.neuron - 1, q.weight - 1])
