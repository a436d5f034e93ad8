"""The inspector's neuron and weight sections: z, a, ŷ beside y, the loss, δ and the chain rule in numbers.

Pure text from a ``Snapshot`` (see ``inspector_text.py``). f'(z), whether δ comes
straight from the loss and the gradient check's tolerance are the core's: this
module only lays out numbers, it never recomputes a derivative.
"""

from __future__ import annotations

import numpy as np
from rich.text import Text

from tui_backprop.core.figures import MINUS, fmt, operands
from tui_backprop.core.gradcheck import LayerCheck, agrees
from tui_backprop.core.losses import get_loss
from tui_backprop.core.names import Names
from tui_backprop.training.snapshot import LayerSnapshot, Snapshot


def paren(value: float) -> str:
    """A factor in a product: negative numbers in brackets, as on paper."""
    text = fmt(value, 3)
    return f"({text})" if text.startswith(MINUS) else text


def close(a: float, b: float) -> bool:
    """Two ways of computing the same float64 gradient agree to rounding."""
    return bool(np.isclose(a, b, rtol=1e-9, atol=1e-12))


def has_gradients(snap: Snapshot) -> bool:
    """Has a backward pass run (this step, or any step before)?"""
    return bool(snap.step) or any(layer.delta is not None for layer in snap.layers)


def after_update(snap: Snapshot) -> bool:
    """Weights are already updated, but δ and the gradients are still this step's backward pass."""
    return snap.last_phase == "update" and any(layer.delta is not None for layer in snap.layers)


def pass_weights(snap: Snapshot, layer: LayerSnapshot) -> np.ndarray:
    """The weights the latest backward pass used: after the update, the old ones (W − ΔW)."""
    if after_update(snap):
        return layer.weights - layer.update_weights
    return layer.weights


def sample_loss(snap: Snapshot, names: Names) -> str:
    """The loss a chain rule differentiates: the lesson's name (C) for a batch of one, else ℓ, one sample's."""
    last = snap.layers[-1]
    return names.loss if last.a is None or last.a.shape[0] == 1 else "ℓ"


def pending(what: str, layer: LayerSnapshot, is_pending: bool) -> str:
    return f"pending: {what} L{layer.index + 1} not run yet" if is_pending else f"press p to run the {what} pass"


# ------------------------------------------------------------------ neuron
def neuron_section(out: Text, snap: Snapshot, info: LayerSnapshot, names: Names, neuron: int, sample: int) -> None:
    out.append(f"Neuron {neuron + 1}/{info.units}", style="bold")
    if names.classes and info.index == len(snap.layers) - 1:
        out.append(f" (class {neuron})", style="bold")  # ŷ₀ … ŷ₉ below: classes count from 0, as the data's labels
    if info.z is None:
        out.append("\n z, a: — (press p to run the forward pass)\n", style="dim")
        return
    batch = info.z.shape[0]
    is_output = info.index == len(snap.layers) - 1
    out.append(f" · sample {sample + 1}/{batch}\n")
    out.append(" z ", style="dim")
    out.append(fmt(info.z[sample, neuron]))
    a_name = names.a(info.index, neuron) if is_output else "a"  # ŷ as the lesson names it
    out.append(f"  {a_name} ", style="dim")
    out.append(fmt(info.a[sample, neuron]))
    if is_output and snap.batch_y is not None:
        out.append(f"  {names.target(neuron)} ", style="dim")
        out.append(fmt(snap.batch_y[sample, neuron]), style="bold")
    out.append("  δ ", style="dim")
    out.append(fmt(info.delta[sample, neuron]) if info.delta is not None else "—")
    out.append("\n")
    if batch > 1:
        out.append(f" mean of {batch}: z ", style="dim")
        out.append(fmt(info.z[:, neuron].mean(), 3))
        out.append(f" {a_name} ", style="dim")
        out.append(fmt(info.a[:, neuron].mean(), 3))
        out.append(" δ ", style="dim")
        out.append(fmt(info.delta[:, neuron].mean(), 3) if info.delta is not None else "—")
        out.append("\n")
    loss_line(out, snap, names, neuron if is_output else None, sample)
    if info.delta is None:
        out.append(f" δ: — ({pending('backward', info, info.backward_pending)})\n", style="dim")


def loss_line(out: Text, snap: Snapshot, names: Names, output: int | None, sample: int) -> None:
    """The loss and ∂L/∂ŷ of the selected sample once the loss phase has run (``output`` None: a hidden layer)."""
    last = snap.layers[-1]
    if last.z is None or snap.batch_y is None:
        return
    loss = names.loss
    if last.grad_a is None or snap.loss is None:
        out.append(f" {loss}: — (pending: loss phase not run yet)\n", style="dim")
        return
    batch, outputs = last.a.shape
    if batch == 1:
        out.append(f" {loss} ", style="dim")
        out.append(fmt(snap.loss), style="bold")
        per_sample = loss
    else:
        # The selected sample's own loss ℓ, by the core's per-sample formula (the batch mean is
        # the status line's loss: a narrow pane has no room for both here).
        own = get_loss(snap.loss_name).per_sample(last.a[sample : sample + 1], snap.batch_y[sample : sample + 1],
                                                  z=last.z[sample : sample + 1])
        out.append(" ℓ ", style="dim")
        out.append(fmt(float(own[0])), style="bold")
        per_sample = "ℓ"
    if output is None and outputs > 1:
        out.append(f"  ∂{per_sample}/∂ŷ: see layer {last.index + 1}\n", style="dim")
        return
    j = 0 if output is None else output
    out.append(f"  ∂{per_sample}/∂{names.a(last.index, j)} ", style="dim")
    out.append(fmt(last.grad_a[sample, j]), style="bold")
    out.append("\n")


# ------------------------------------------------------------------ weight
def weight_section(out: Text, snap: Snapshot, info: LayerSnapshot, names: Names, neuron: int, column: int,
                   sample: int, weight_check: tuple[float, float] | None, layer_check: LayerCheck | None) -> None:
    is_bias = column == info.fan_in
    source = "bias" if is_bias else names.layer_input(info.index, column)
    j = neuron + 1
    # one name per parameter: the header's is the one ∂L/∂… below uses (b2, w1₁₂, or the lesson's)
    param = names.bias(info.index, neuron) if is_bias else names.weight(info.index, neuron, column)
    if is_bias:
        out.append(f"Bias {param}", style="bold")
        value, grad = info.biases[neuron], info.grad_biases[neuron]
    else:
        out.append(f"Weight {param}", style="bold")
        value, grad = info.weights[neuron, column], info.grad_weights[neuron, column]
    if after_update(snap) and info.delta is not None:
        # The optimizer has moved the value; every number below is from the pass before it.
        update = info.update_biases[neuron] if is_bias else info.update_weights[neuron, column]
        out.append(f" ({source} → neuron {j})\n" if not is_bias else "\n", style="dim")
        out.append(f" {'bias' if is_bias else 'weight'} now {fmt(value)} (after the update)\n", style="bold")
        out.append(f" the pass below used {fmt(value - update)}\n", style="dim")
    else:
        out.append(f" = {fmt(value)}")
        out.append(f" ({source} → neuron {j})\n" if not is_bias else "\n", style="dim")
    if info.z is None:
        out.append(f" chain rule: — ({pending('forward', info, info.forward_pending)})\n", style="dim")
        return
    if info.delta is None:
        out.append(f" chain rule: — ({pending('backward', info, info.backward_pending)})\n", style="dim")
        return
    x = 1.0 if is_bias else float(info.inputs[sample, column])
    delta = float(info.delta[sample, neuron])
    per_sample = delta * x
    ell = sample_loss(snap, names)
    dzdw = f"∂z/∂{param}"
    if info.delta_from_loss:
        a = float(info.a[sample, neuron])
        y = float(snap.batch_y[sample, neuron])
        units = info.a.shape[1]
        out.append(f" δ = ∂{ell}/∂z comes straight from the loss:\n", style="dim")
        # the output as the neuron line above names it (ŷ, or the lesson's a), not a generic a
        diff = f"{names.a(info.index, neuron)} {MINUS} {names.target(neuron)}"
        scale = f"({diff})/{units}" if info.activation == "sigmoid" and units > 1 else diff
        times = 1 / units if info.activation == "sigmoid" and units > 1 else 1.0
        # each line's numbers with the digits it takes to come out as written (near convergence a is 30.00000001)
        a_text, y_text = operands([a, y], delta, lambda u, v: times * (u - v))
        out.append(f" δ = {scale} = {a_text} {MINUS} {y_text} = {fmt(delta)}\n")
        out.append(f" ∂{ell}/∂{param} = δ · {dzdw}\n", style="dim")
        delta_text, x_text = operands([delta, x], per_sample, lambda d, v: d * v)
        out.append(f"  = {delta_text} · {x_text} = ")
    else:
        grad_a = float(info.grad_a[sample, neuron])
        slope = float(info.f_prime[sample, neuron])
        out.append(f" ∂{ell}/∂a · ∂a/∂z · {dzdw}  (sample {sample + 1})\n", style="dim")
        texts = operands([grad_a, slope, x], per_sample, lambda g, f, v: g * f * v)
        out.append(f"  = {' · '.join(texts)} = ")
    out.append(fmt(per_sample), style="bold")
    out.append("\n")
    if not info.delta_from_loss:
        grad_a_origin(out, snap, info, names, neuron, sample)
    rows = info.delta.shape[0]
    inputs = np.ones(rows) if is_bias else info.inputs[:, column]
    batch_mean = float(np.mean(info.delta[:, neuron] * inputs))
    # as the lesson writes it: ∂C/∂w1 on chain-two-weights
    symbol = f"∂{names.loss}/∂{param}"
    out.append(f" batch mean ({rows}) = " if rows > 1 else " batch mean = ", style="dim")
    out.append(fmt(batch_mean), style="bold")
    if close(batch_mean, grad):
        out.append(f" = {symbol} ✓\n")
    else:
        out.append(f" ≠ {symbol} {fmt(grad)} ✗\n", style="bold red")
    if not is_bias:
        regularization_line(out, snap, info, neuron, column, grad)
    if snap.last_phase == "update" and snap.step:
        update = info.update_biases[neuron] if is_bias else info.update_weights[neuron, column]
        out.append(" applied update ", style="dim")
        out.append(f"{fmt(update)}", style="bold")
        out.append(f" ({fmt(value - update)} → {fmt(value)})\n", style="dim")
    check_line(out, snap, neuron, column, weight_check, layer_check)


def regularization_line(out: Text, snap: Snapshot, info: LayerSnapshot, neuron: int, column: int,
                        grad: float) -> None:
    """What the optimizer adds to ∂L/∂w (biases are never regularized), with the weight the pass used."""
    rate = snap.regularization_rate
    if snap.regularization == "none" or rate == 0.0:
        return
    w = float(pass_weights(snap, info)[neuron, column])
    if snap.regularization == "playground_l1":
        out.append(f" + L1 (Playground's): after the step |w| shrinks by lr·λ = {fmt(snap.learning_rate * rate)},"
                   " stopping at 0\n", style="dim")
        return
    if snap.regularization == "l2":
        term, written = rate * w, f"λ·w = {fmt(rate)}·{paren(w)}"
    else:
        term, written = rate * float(np.sign(w)), f"λ·sign(w) = {fmt(rate)}·{paren(float(np.sign(w)))}"
    out.append(f" + {snap.regularization.upper()} {written} = {fmt(term)}\n", style="dim")
    out.append(" the optimizer's gradient ", style="dim")
    out.append(fmt(grad + term), style="bold")
    out.append(f" = {fmt(grad)} + {paren(term)}\n", style="dim")


def grad_a_origin(out: Text, snap: Snapshot, info: LayerSnapshot, names: Names, neuron: int, sample: int) -> None:
    """Where ∂ℓ/∂a came from: the loss, or the deltas of the layer above."""
    ell = sample_loss(snap, names)
    if info.index == len(snap.layers) - 1:
        out.append(f"  ∂{ell}/∂a = ∂{ell}/∂{names.a(info.index, neuron)}, from the loss phase\n", style="dim")
        return
    above = snap.layers[info.index + 1]
    if above.delta is None:
        return
    weights = pass_weights(snap, above)
    terms = [(float(weights[r, neuron]), float(above.delta[sample, r])) for r in range(above.units)]
    out.append(f"  ∂{ell}/∂a = Σ w·δ of layer {above.index + 1}", style="dim")
    if len(terms) <= 2:
        out.append(" = " + " + ".join(f"{paren(w)}·{paren(d)}" for w, d in terms), style="dim")
    out.append("\n")
    if after_update(snap):
        # The update has moved these weights since; the backward pass used the old values.
        used = ", ".join(f"{names.weight(above.index, r, neuron)} was {fmt(weights[r, neuron], 3)}"
                         for r in range(min(above.units, 2)))
        more = " …" if above.units > 2 else ""
        out.append(f"  (layer {above.index + 1}: {used}{more} in this pass, before the update)\n", style="dim")


def check_line(out: Text, snap: Snapshot, neuron: int, column: int, weight_check: tuple[float, float] | None,
               layer_check: LayerCheck | None) -> None:
    """Finite differences for the selected weight, judged by the core's rule (gradcheck.agrees)."""
    if weight_check is not None:
        analytic, numeric = weight_check
        loss = snap.loss if snap.loss is not None else 0.0
    elif layer_check is not None:
        analytic = float(layer_check.analytic[neuron, column])
        numeric = float(layer_check.numeric[neuron, column])
        loss = layer_check.loss
    else:
        out.append(" finite differences: press g\n", style="dim")
        return
    scale = max(abs(analytic), abs(numeric), 1e-12)
    error = abs(analytic - numeric) / scale
    ok = agrees(analytic, numeric, loss)
    out.append(" finite diff ", style="dim")
    out.append(fmt(numeric, 6))
    out.append(f" rel err {fmt(error, 2)} ", style="dim")
    out.append("✓\n" if ok else "✗\n", style="bold" if ok else "bold red")
