"""The chain rule for one node of the computation graph, written out with numbers.

Each line is one factor of the chain from the loss down to the selected node:
``C = ½(ŷ − y)² = ½(24 − 30)² = 18``, ``∂C/∂ŷ = ŷ − y = 24 − 30 = −6``,
``∂C/∂w2 = ∂C/∂ŷ · h = −6 · 6 = −36`` … Values come from the snapshot,
derivative factors from the core's activations and losses. The numbers in a
line get the digits it takes for its arithmetic to come out as written
(``figures.operands``): near convergence ``ŷ − y = 29.99999996381 − 30 = −3.619e−8``,
not ``30 − 30``.
"""

from __future__ import annotations

import math

import numpy as np

from tui_backprop.app.graph_layout import SYMBOL, GraphValues, Node
from tui_backprop.core.figures import MINUS, bracket, digits_apart, fmt, operands
from tui_backprop.core.activations import get_activation
from tui_backprop.core.losses import get_loss


class Chain:
    """The selected node's gradient as the whole chain from the loss, with numbers."""

    def __init__(self, values: GraphValues):
        self.values = values
        self.snap = values.snap
        self.names = values.names
        self.last = len(self.snap.layers) - 1

    def d(self, name: str) -> str:
        return f"∂{self.names.loss}/∂{name}"

    def node(self, key: tuple) -> Node:
        return self.values.node(key)

    def sum_key(self, layer: int, unit: int) -> tuple:
        return ("a" if self.snap.layers[layer].activation == "linear" else "z", layer, unit)

    def fused(self) -> bool:
        """Does the output layer's delta come straight from the loss (σ + bce, softmax + cross-entropy)?"""
        return get_loss(self.snap.loss_name).fuses_output_delta

    def lines(self, key: tuple) -> list[str]:
        kind = key[0]
        if kind == "x":
            return [f"{self.node(key).name} is an input: data, so it needs no gradient."]
        if kind == "y":
            return [f"{self.node(key).name} is the target: fixed data, so it needs no gradient."]
        if kind == "loss":
            return [self.loss_line()]
        layer, unit = key[1], key[2]
        if kind == "a" and layer == self.last:
            return self.lines(("loss",)) + [self.output_line(unit)]
        if kind == "a":
            return self.hidden_lines(layer, unit)
        if kind == "z":
            if layer == self.last and self.fused():
                return self.lines(("loss",)) + [self.fused_line(unit)]
            return self.lines(("a", layer, unit)) + self.slope_lines(layer, unit)
        s = self.sum_key(layer, unit)
        head = self.lines(s) if not (s[0] == "z" and layer == self.last and self.fused()) else \
            self.lines(("loss",)) + [self.fused_line(unit)]
        return head + [self.parameter_line(key)]

    # ------------------------------------------------------------ lines
    def loss_line(self) -> str:
        loss = self.node(("loss",))
        name = loss.name
        if loss.value is None:
            return f"{name}: after the loss phase (press p)"
        units = self.snap.layers[-1].units
        kind = self.snap.loss_name
        value = fmt(loss.value)
        if units == 1:
            yhat, y = self.node(("a", self.last, 0)), self.node(("y", 0))
            if kind in ("half_mse", "mse"):
                half = "½" if kind == "half_mse" else ""
                pair = difference(yhat.value, y.value, loss.value, 0.5 if half else 1.0)
                return f"{name} = {half}({yhat.name} − {y.name})² = {half}({pair})² = {value}"
            if kind == "bce":
                texts = operands([y.value, yhat.value, 1 - y.value, 1 - yhat.value], loss.value,
                                 lambda t, a, t1, a1: -(t * math.log(a) + t1 * math.log(a1)))
                return (f"{name} = −[{y.name}·ln {yhat.name} + (1 − {y.name})·ln(1 − {yhat.name})] = "
                        f"−[{texts[0]}·ln {texts[1]} + {texts[2]}·ln {texts[3]}]"
                        f" = {value}")
        formula = {"half_mse": f"½·mean of (ŷ − y)² over {units} outputs",
                   "mse": f"mean of (ŷ − y)² over {units} outputs",
                   "bce": f"mean of −[y·ln ŷ + (1 − y)·ln(1 − ŷ)] over {units} outputs",
                   "cross_entropy": "−Σ y·ln ŷ"}.get(kind, kind)
        return f"{name} = {formula} = {value}"

    def output_line(self, unit: int) -> str:
        yhat, y = self.node(("a", self.last, unit)), self.node(("y", unit))
        if yhat.grad is None:
            return f"{self.d(yhat.name)}: after the backward pass reaches it (press p)"
        units = self.snap.layers[-1].units
        kind = self.snap.loss_name
        if kind in ("half_mse", "mse"):
            factor = {("half_mse", 1): "", ("mse", 1): "2"}.get((kind, units),
                                                               f"({1 if kind == 'half_mse' else 2}/{units})")
            times = (1 if kind == "half_mse" else 2) / units
            pair = difference(yhat.value, y.value, yhat.grad, times, power=1)
            return (f"{self.d(yhat.name)} = {factor}({yhat.name} − {y.name}) = {factor}({pair}) = "
                    f"{fmt(yhat.grad)}" if factor else
                    f"{self.d(yhat.name)} = {yhat.name} − {y.name} = {pair} = {fmt(yhat.grad)}")
        return f"{self.d(yhat.name)} = {fmt(yhat.grad)}"

    def fused_line(self, unit: int) -> str:
        yhat, y, z = self.node(("a", self.last, unit)), self.node(("y", unit)), self.node(("z", self.last, unit))
        if z.grad is None:
            return f"{self.d(z.name)}: after the backward pass reaches it (press p)"
        units = self.snap.layers[-1].units
        scale = f"/{units}" if self.snap.loss_name == "bce" and units > 1 else ""
        pair = difference(yhat.value, y.value, z.grad, 1 / units if scale else 1.0, power=1)
        return (f"{self.d(z.name)} = ({yhat.name} − {y.name}){scale} = ({pair}){scale} = {fmt(z.grad)}"
                f"  (the activation and the loss together)")

    def slope_lines(self, layer: int, unit: int) -> list[str]:
        info = self.snap.layers[layer]
        a, z = self.node(("a", layer, unit)), self.node(("z", layer, unit))
        if z.value is None:
            return []
        name = info.activation
        symbol = SYMBOL.get(name, name)
        slope = float(get_activation(name).derivative(np.array([[z.value]]), np.array([[a.value]]))[0, 0])
        if name == "sigmoid":
            (text,) = operands([a.value], slope, lambda v: v * (1 - v))
            how = f"{a.name}(1 − {a.name}) = {text}·(1 − {bracket(text)})"
        elif name == "tanh":
            (text,) = operands([a.value], slope, lambda v: 1 - v * v)
            how = f"1 − {a.name}² = 1 − {bracket(text)}²"
        else:  # relu's: no formula to work out, a side of 0 ("relu'(z1₁) = 1, as z1₁ > 0", not "… > 0 = 1")
            how = None
        out = [f"{symbol}'({z.name}) = {how} = {fmt(slope)}" if how else
               f"{symbol}'({z.name}) = {fmt(slope)}, as {z.name} {'>' if z.value > 0 else '≤'} 0"]
        if z.grad is None:
            return out + [f"{self.d(z.name)}: after the backward pass reaches it (press p)"]
        grad, factor = operands([a.grad, slope], z.grad, lambda g, f: g * f)
        out.append(f"{self.d(z.name)} = {self.d(a.name)} · {symbol}'({z.name}) = {grad} · {bracket(factor)}"
                   f" = {fmt(z.grad)}")
        return out

    def hidden_lines(self, layer: int, unit: int) -> list[str]:
        a = self.node(("a", layer, unit))
        above = self.snap.layers[layer + 1]
        weights, _ = self.values.pass_weights(layer + 1)
        if above.units == 1:
            s = self.sum_key(layer + 1, 0)
            head = self.lines(("w", layer + 1, 0, unit))  # the path down, with the weight on it
            target = self.node(s)
            w = self.node(("w", layer + 1, 0, unit))
            if a.grad is None or target.grad is None:
                return head + [f"{self.d(a.name)}: after the backward pass reaches it (press p)"]
            grad, weight = operands([target.grad, float(weights[0, unit])], a.grad, lambda g, v: g * v)
            return head + [f"{self.d(a.name)} = {self.d(target.name)} · {w.name} = {grad} · "
                           f"{bracket(weight)} = {fmt(a.grad)}"]
        head = [self.loss_line()]
        if a.grad is None or above.delta is None:
            return head + [f"{self.d(a.name)}: after the backward pass reaches it (press p)"]
        s = self.values.sample
        shown = min(above.units, 3)
        factors = [float(v) for r in range(shown) for v in (above.delta[s, r], weights[r, unit])]
        more = " + …" if above.units > 3 else ""
        # every term there: the digits it takes for the sum to come out as written
        texts = [fmt(f) for f in factors] if more else operands(
            factors, a.grad, lambda *f: sum(f[i] * f[i + 1] for i in range(0, len(f), 2)))
        terms = [f"{bracket(texts[2 * r])}·{bracket(texts[2 * r + 1])}" for r in range(shown)]
        name_z = self.node(self.sum_key(layer + 1, 0)).name[:1]
        return head + [f"{self.d(a.name)} = Σ {self.d(name_z)}ᵣ · wᵣ over the {above.units} neurons it feeds = "
                       f"{' + '.join(terms)}{more} = {fmt(a.grad)}"]

    def parameter_line(self, key: tuple) -> str:
        layer, unit = key[1], key[2]
        p = self.node(key)
        s = self.node(self.sum_key(layer, unit))
        if p.grad is None or s.grad is None:
            return f"{self.d(p.name)}: after the backward pass reaches it (press p)"
        if key[0] == "b":
            (grad,) = operands([s.grad], p.grad, lambda g: g)
            line = f"{self.d(p.name)} = {self.d(s.name)} · 1 = {grad} · 1 = {fmt(p.grad)}"
        else:
            x = self.node(("x", key[3]) if layer == 0 else ("a", layer - 1, key[3]))
            grad, value = operands([s.grad, x.value], p.grad, lambda g, v: g * v)
            line = f"{self.d(p.name)} = {self.d(s.name)} · {x.name} = {grad} · {bracket(value)} = {fmt(p.grad)}"
        batch = self.values.batch
        if batch > 1:
            info = self.snap.layers[layer]
            mean = info.grad_biases[unit] if key[0] == "b" else info.grad_weights[unit, key[3]]
            line += f"  (this sample; the step uses the batch mean {fmt(mean)})"
        return line


def difference(yhat: float, y: float, result: float, times: float, power: int = 2) -> str:
    """"ŷ − y" as written in a loss or its gradient (``times``·(ŷ − y)**``power`` = ``result``), ŷ with the
    digits it takes: near convergence 29.99999996381 − 30, not 30 − 30."""
    a, b = operands([yhat, y], result, lambda u, v: times * (u - v) ** power)
    return f"{a} {MINUS} {bracket(b)}"


def weighted_sum_line(values: GraphValues, layer: int, unit: int, terms: int = 3) -> str:
    """z written out with numbers: z = w·x + … + b = value (the first terms, then "…")."""
    info = values.snap.layers[layer]
    names = values.names
    z_name = names.z(layer, unit) if info.activation != "linear" else names.a(layer, unit)
    if info.z is None:
        return f"{z_name}: after the forward pass (press p)"
    s = values.sample
    weights, biases = values.pass_weights(layer)
    shown = min(info.fan_in, terms)
    symbolic = [f"{names.weight(layer, unit, k)}·{names.layer_input(layer, k)}" for k in range(shown)]
    factors = [float(v) for k in range(shown) for v in (weights[unit, k], info.inputs[s, k])]
    bias = [] if biases is None else [float(biases[unit])]
    z = float(info.z[s, unit])
    digits, y = 4, values.snap.batch_y
    if layer == len(values.snap.layers) - 1 and info.activation == "linear" and y is not None:
        # ŷ = z beside y: digits enough to tell them apart, as the loss line does ("(3.999872 − 4)²" above
        # "ŷ = 1.999936·2 = 3.999872", not "= 2·2 = 4": QA8 C8)
        digits = digits_apart(z, float(y[s, unit]))
    if info.fan_in > shown:  # terms left out: the sum cannot be checked, 3 digits as before
        texts = [fmt(v, 3) for v in factors + bias]
    else:  # 3 digits, more where the sum would not come out as written (h = 3.4557·2 = 6.911)
        texts = operands(factors + bias, z, lambda *f: sum(f[i] * f[i + 1] for i in range(0, 2 * shown, 2))
                         + sum(f[2 * shown:]), digits=digits, least=3)
    numbers = [f"{bracket(texts[2 * k])}·{bracket(texts[2 * k + 1])}" for k in range(shown)]
    if info.fan_in > shown:
        symbolic.append("…")
        numbers.append("…")
    if biases is not None:
        symbolic.append(names.bias(layer, unit))
        numbers.append(bracket(texts[-1]))
    written = " + ".join(numbers)
    if info.fan_in + (biases is not None) <= 3:
        written = " + ".join(symbolic) + " = " + written
    return f"{z_name} = {written} = {fmt(z, digits)}"
