"""The inspector's neuron and weight sections: z, a, ŷ beside y, the loss, δ and the chain rule in numbers.

Pure text from a ``Snapshot`` (see ``inspector_text.py``). f'(z), whether δ comes
straight from the loss and the gradient check's tolerance are the core's: this
module only lays out numbers, it never recomputes a derivative.
"""

from __future__ import annotations

import numpy as np
from rich.text import Text

from tui_backprop.app.inspector_lines import NBSP, flow, piece, prose
from tui_backprop.core.figures import MINUS, bracket, change, digits_apart, fmt, operands
from tui_backprop.core.gradcheck import LayerCheck, agrees
from tui_backprop.core.losses import get_loss
from tui_backprop.core.names import Names
from tui_backprop.training.snapshot import LayerSnapshot, Snapshot


def paren(value: float) -> str:
    """A factor in a product: negative numbers in brackets, as on paper."""
    return bracket(fmt(value, 3))


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
    """Why a figure is missing, as prose for ``prose`` ("backward L2" and "press p" never split)."""
    return (f"pending: {what}{NBSP}L{layer.index + 1} not run yet" if is_pending
            else f"press{NBSP}p to run the {what} pass")


# ------------------------------------------------------------------ neuron
def neuron_section(out: Text, snap: Snapshot, info: LayerSnapshot, names: Names, neuron: int, sample: int,
                   width: int) -> None:
    head = [piece((f"Neuron {neuron + 1}/{info.units}", "bold"))]
    if names.classes and info.index == len(snap.layers) - 1:
        # ŷ₀ … ŷ₉ below: classes count from 0, as the data's labels
        head.append(piece((f"(class {neuron})", "bold")))
    if info.z is None:
        flow(out, head, width, "", gap=" ")
        prose(out, f"z, a: — ({pending('forward', info, info.forward_pending)})", width)
        return
    batch = info.z.shape[0]
    is_output = info.index == len(snap.layers) - 1
    flow(out, [*head, piece(f"· sample {sample + 1}/{batch}")], width, "", gap=" ")
    a_name = names.a(info.index, neuron) if is_output else "a"  # ŷ as the lesson names it
    target, digits = None, 4
    if is_output and snap.batch_y is not None:
        y = float(snap.batch_y[sample, neuron])
        digits = digits_apart(float(info.a[sample, neuron]), y, most=8)  # never "ŷ 4 y 4" above L 1.6e−8 (QA8 C8)
        target = piece((f"{names.target(neuron)} ", "dim"), (fmt(y, digits), "bold"))
    flow(out, [piece(("z ", "dim"), fmt(info.z[sample, neuron], digits)),  # (a linear output's z is its ŷ)
               piece((f"{a_name} ", "dim"), fmt(info.a[sample, neuron], digits)), target,
               piece(("δ ", "dim"), fmt(info.delta[sample, neuron]) if info.delta is not None else "—")], width)
    if batch > 1:
        # continued under its z: a δ alone at a line's start would read as the sample's
        head = f" mean of {batch}: "
        flow(out, [piece((f"{head.strip()} z ", "dim"), fmt(info.z[:, neuron].mean(), 3)),
                   piece((f"{a_name} ", "dim"), fmt(info.a[:, neuron].mean(), 3)),
                   piece(("δ ", "dim"), fmt(info.delta[:, neuron].mean(), 3) if info.delta is not None else "—")],
             width, hang=len(head), gap=" ")
    loss_line(out, snap, names, neuron if is_output else None, sample, width)
    if info.delta is None:
        prose(out, f"δ: — ({pending('backward', info, info.backward_pending)})", width)


def loss_line(out: Text, snap: Snapshot, names: Names, output: int | None, sample: int, width: int) -> None:
    """The loss and ∂L/∂ŷ of the selected sample once the loss phase has run (``output`` None: a hidden layer)."""
    last = snap.layers[-1]
    if last.z is None or snap.batch_y is None:
        return
    loss = names.loss
    if last.grad_a is None or snap.loss is None:
        prose(out, f"{loss}: — (pending: loss phase not run yet)", width)
        return
    batch, outputs = last.a.shape
    if batch == 1:
        own, per_sample = piece((f"{loss} ", "dim"), (fmt(snap.loss), "bold")), loss
    else:
        # The selected sample's own loss ℓ, by the core's per-sample formula (the batch mean is
        # the status line's loss: a narrow pane has no room for both here).
        value = get_loss(snap.loss_name).per_sample(last.a[sample : sample + 1], snap.batch_y[sample : sample + 1],
                                                    z=last.z[sample : sample + 1])
        own, per_sample = piece(("ℓ ", "dim"), (fmt(float(value[0])), "bold")), "ℓ"
    if output is None and outputs > 1:
        flow(out, [own, piece((f"∂{per_sample}/∂ŷ: see layer {last.index + 1}", "dim"))], width)
        return
    j = 0 if output is None else output
    gradient = piece((f"∂{per_sample}/∂{names.a(last.index, j)} ", "dim"), (fmt(last.grad_a[sample, j]), "bold"))
    flow(out, [own, gradient], width)


# ------------------------------------------------------------------ weight
def weight_section(out: Text, snap: Snapshot, info: LayerSnapshot, names: Names, neuron: int, column: int,
                   sample: int, weight_check: tuple[float, float] | None, layer_check: LayerCheck | None,
                   width: int) -> None:
    is_bias = column == info.fan_in
    source = "bias" if is_bias else names.layer_input(info.index, column)
    j = neuron + 1
    # one name per parameter: the header's is the one ∂L/∂… below uses (b2, w1₁₂, or the lesson's)
    param = names.bias(info.index, neuron) if is_bias else names.weight(info.index, neuron, column)
    if is_bias:
        value, grad = info.biases[neuron], info.grad_biases[neuron]
    else:
        value, grad = info.weights[neuron, column], info.grad_weights[neuron, column]
    name = piece((f"{'Bias' if is_bias else 'Weight'} {param}", "bold"))
    where = None if is_bias else piece((f"({source} → neuron {j})", "dim"))
    if after_update(snap) and info.delta is not None:
        # The optimizer has moved the value; every number below is from the pass before it.
        update = info.update_biases[neuron] if is_bias else info.update_weights[neuron, column]
        flow(out, [name, where], width, "", gap=" ")
        used, now = change(value - update, value)  # "now 1.999987 … used 1.999936", not "now 2 … used 2"
        flow(out, [piece((f"{'bias' if is_bias else 'weight'} now {now}", "bold")),
                   piece(("(after the update)", "bold"))], width, gap=" ")
        flow(out, [piece(("the pass below used ", "dim"), (used, "dim"))], width)
    else:
        flow(out, [piece(name, f" = {fmt(value)}"), where], width, "", gap=" ")
    if info.z is None:
        prose(out, f"chain rule: — ({pending('forward', info, info.forward_pending)})", width)
        return
    if info.delta is None:
        prose(out, f"chain rule: — ({pending('backward', info, info.backward_pending)})", width)
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
        prose(out, f"δ{NBSP}={NBSP}∂{ell}/∂z comes straight from the loss:", width)
        # the output as the neuron line above names it (ŷ, or the lesson's a), not a generic a
        diff = f"{names.a(info.index, neuron)} {MINUS} {names.target(neuron)}"
        scale = f"({diff})/{units}" if info.activation == "sigmoid" and units > 1 else diff
        times = 1 / units if info.activation == "sigmoid" and units > 1 else 1.0
        # each line's numbers with the digits it takes to come out as written (near convergence a is 30.00000001)
        a_text, y_text = operands([a, y], delta, lambda u, v: times * (u - v))
        flow(out, [piece(f"δ = {scale}"), piece(f"= {a_text} {MINUS} {y_text}"), piece(f"= {fmt(delta)}")],
             width, gap=" ")
        flow(out, [piece((f"∂{ell}/∂{param}", "dim")), piece(("= δ", "dim")), piece((f"· {dzdw}", "dim"))],
             width, gap=" ")
        texts = operands([delta, x], per_sample, lambda d, v: d * v)
    else:
        grad_a = float(info.grad_a[sample, neuron])
        slope = float(info.f_prime[sample, neuron])
        flow(out, [piece((f"∂{ell}/∂a", "dim")), piece(("· ∂a/∂z", "dim")), piece((f"· {dzdw}", "dim")),
                   ("  ", piece((f"(sample {sample + 1})", "dim")))], width, gap=" ")
        texts = operands([grad_a, slope, x], per_sample, lambda g, f, v: g * f * v)
    # "  = −0.0789 · 0.97 · 0.00023 = −1.8e−5": broken before a factor or the result, never inside one
    flow(out, [piece(f"= {bracket(texts[0])}"), *(piece(f"· {bracket(t)}") for t in texts[1:]),
               piece("= ", (fmt(per_sample), "bold"))],
         width, "  ", gap=" ")
    if not info.delta_from_loss:
        grad_a_origin(out, snap, info, names, neuron, sample, width, texts[0])
    rows = info.delta.shape[0]
    inputs = np.ones(rows) if is_bias else info.inputs[:, column]
    batch_mean = float(np.mean(info.delta[:, neuron] * inputs))
    # as the lesson writes it: ∂C/∂w1 on chain-two-weights
    symbol = f"∂{names.loss}/∂{param}"
    mean = piece((f"batch mean ({rows}) = " if rows > 1 else "batch mean = ", "dim"), (fmt(batch_mean), "bold"))
    same = close(batch_mean, grad)
    flow(out, [mean, piece(f"= {symbol} ✓") if same else piece((f"≠ {symbol} {fmt(grad)} ✗", "bold red"))],
         width, gap=" ")
    if not is_bias:
        regularization_line(out, snap, info, neuron, column, grad, width)
    if snap.last_phase == "update" and snap.step:
        update = info.update_biases[neuron] if is_bias else info.update_weights[neuron, column]
        # Only plain SGD steps by −lr·∂L/∂w: another optimizer's step is its own (momentum, Adam's scaling).
        how = None if snap.optimizer == "sgd" else piece((f"(by {snap.optimizer}, not −lr·∂{names.loss}/∂w)", "dim"))
        before, after = change(value - update, value)  # "(1.999936 → 1.9999872)", never "(2 → 2)" (QA9 K1)
        flow(out, [piece(("applied update ", "dim"), (fmt(update), "bold")), how,
                   piece((f"({before} → {after})", "dim"))], width, gap=" ")
    check_line(out, snap, neuron, column, weight_check, layer_check, width)


def regularization_line(out: Text, snap: Snapshot, info: LayerSnapshot, neuron: int, column: int,
                        grad: float, width: int) -> None:
    """What the optimizer adds to ∂L/∂w (biases are never regularized), with the weight the pass used."""
    rate = snap.regularization_rate
    if snap.regularization == "none" or rate == 0.0:
        return
    w = float(pass_weights(snap, info)[neuron, column])
    if snap.regularization == "playground_l1":
        shrink = fmt(snap.learning_rate * rate).replace(" ", NBSP)
        prose(out, f"+ L1 (Playground's): after the step |w| shrinks by lr·λ{NBSP}={NBSP}{shrink}, stopping at 0",
              width)
        return
    if snap.regularization == "l2":
        term, written = rate * w, f"λ·w = {fmt(rate)}·{paren(w)}"
    else:
        term, written = rate * float(np.sign(w)), f"λ·sign(w) = {fmt(rate)}·{paren(float(np.sign(w)))}"
    flow(out, [piece((f"+ {snap.regularization.upper()} {written}", "dim")), piece((f"= {fmt(term)}", "dim"))],
         width, gap=" ")
    flow(out, [piece(("the optimizer's gradient ", "dim"), (fmt(grad + term), "bold")),
               piece((f"= {fmt(grad)} + {paren(term)}", "dim"))], width, gap=" ")


def grad_a_origin(out: Text, snap: Snapshot, info: LayerSnapshot, names: Names, neuron: int, sample: int,
                  width: int, written: str = "") -> None:
    """Where ∂ℓ/∂a came from: the loss, or the deltas of the layer above (``written``: ∂ℓ/∂a as the chain
    line above writes it, which the Σ w·δ line's numbers multiply out to)."""
    ell = sample_loss(snap, names)
    if info.index == len(snap.layers) - 1:
        name = names.a(info.index, neuron)  # ("a" where the lesson calls the output a: no "∂C/∂a = ∂C/∂a")
        flow(out, [piece((f"∂{ell}/∂a = ∂{ell}/∂{name}," if name != "a" else f"∂{ell}/∂a:", "dim")),
                   piece(("from the loss phase", "dim"))], width, "  ", gap=" ")
        return
    above = snap.layers[info.index + 1]
    if above.delta is None:
        return
    weights = pass_weights(snap, above)
    factors = [float(v) for r in range(above.units) for v in (weights[r, neuron], above.delta[sample, r])]
    texts = [fmt(v, 3) for v in factors]
    sum_of = [piece((f"∂{ell}/∂a = Σ w·δ of layer {above.index + 1}", "dim"))]
    if above.units <= 2:
        # 3 digits, more where (−0.537)·(−0.229) = 0.12297 would miss the 0.12283 the chain line writes
        grad_a = float(info.grad_a[sample, neuron])
        digits = next((d for d in range(1, 18) if fmt(grad_a, d) == written), 4)
        texts = operands(factors, grad_a, lambda *f: sum(f[i] * f[i + 1] for i in range(0, len(f), 2)),
                         digits=digits, least=3)
        sum_of += [piece((f"{'=' if r == 0 else '+'} {bracket(texts[2 * r])}·{bracket(texts[2 * r + 1])}", "dim"))
                   for r in range(above.units)]
    flow(out, sum_of, width, "  ", gap=" ")
    if after_update(snap):
        # The update has moved these weights since; the backward pass used the old values.
        shown = min(above.units, 2)
        used = [f"{names.weight(above.index, r, neuron)} was {texts[2 * r]}"
                + ("," if r < shown - 1 else " …" if above.units > 2 else "") for r in range(shown)]
        used[0] = f"(layer {above.index + 1}: {used[0]}"
        flow(out, [*(piece((u, "dim")) for u in used),
                   piece(("in this pass,", "dim")), piece(("before the update)", "dim"))], width, "  ", gap=" ")


def check_line(out: Text, snap: Snapshot, neuron: int, column: int, weight_check: tuple[float, float] | None,
               layer_check: LayerCheck | None, width: int) -> None:
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
    flow(out, [piece(("finite diff ", "dim"), fmt(numeric, 6)),
               piece((f"rel err {fmt(error, 2)} ", "dim"), ("✓" if ok else "✗", "bold" if ok else "bold red"))],
         width, gap=" ")
