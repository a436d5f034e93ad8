"""Names of a network's quantities as a lesson writes them: x, w1, h, ŷ, C.

Default names drop every index that has only one choice, so a one-neuron
network reads w, b, z, a and a chain of two single units reads w1, w2, a1, ŷ.
Layer numbers follow the letter (w2), unit and input numbers are subscripts
(w1₂₁: layer 1, unit 2, input 1). A preset's ``[names]`` table renames any of
them; its keys spell subscripts as digits after an underscore (``w1_21``).
Outputs that are classes (a softmax's) are named by their class, from 0 like the
data's labels: ŷ₀ … ŷ₉ and y₀ … y₉ for the digits 0 … 9.
"""

from __future__ import annotations

import re

_SUBSCRIPT = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
_PLAIN = str.maketrans("₀₁₂₃₄₅₆₇₈₉", "0123456789")
NAME_PATTERN = re.compile(r"^\S{1,10}$")
# Playground's input features, written as a learner reads them.
FEATURE_NAMES = {"x1^2": "x1²", "x2^2": "x2²", "x1*x2": "x1x2"}


def subscript(*indices: int) -> str:
    """1-based indices as subscripts (₁₂); any index above 9 makes them [10,2] so they stay readable."""
    if any(i > 9 for i in indices):
        return "[" + ",".join(str(i) for i in indices) + "]"
    return "".join(str(i) for i in indices).translate(_SUBSCRIPT)


def key_of(name: str) -> str:
    """How a ``[names]`` table spells a default name: subscripts as digits after "_" (w1₂₁ → w1_21)."""
    for i, ch in enumerate(name):
        if ch in "₀₁₂₃₄₅₆₇₈₉[":
            rest = name[i:].translate(_PLAIN).strip("[]").replace(",", "_")
            return f"{name[:i]}_{rest}"
    return name


def outputs_are_classes(output_activation: str) -> bool:
    """A softmax's outputs are classes (one probability each), named from 0 like the data's labels."""
    return output_activation == "softmax"


class Names:
    """Every quantity's display name for one network shape."""

    def __init__(self, inputs: int, layers: list[tuple[int, bool]], input_names: tuple[str, ...] = (),
                 renames: dict[str, str] | None = None, classes: bool = False):
        self.inputs = inputs
        self.classes = classes  # the outputs are classes: ŷ and y numbered by class, from 0
        self.layers = list(layers)  # (units, has_bias) per layer
        self.input_names = tuple(input_names)
        self.renames = dict(renames or {})

    @classmethod
    def of_network(cls, net, renames=None) -> "Names":
        """The names of a ``Network``'s quantities, with a lesson's ``renames``."""
        return cls(net.layers[0].fan_in, [(layer.units, layer.has_bias) for layer in net.layers],
                   renames=dict(renames or {}), classes=outputs_are_classes(net.layers[-1].activation.name))

    def _named(self, default: str) -> str:
        return self.renames.get(key_of(default), self.renames.get(default, default))

    def _layer(self, layer: int) -> str:
        return str(layer + 1) if len(self.layers) > 1 else ""

    def fan_in(self, layer: int) -> int:
        return self.inputs if layer == 0 else self.layers[layer - 1][0]

    # --------------------------------------------------------------- names
    def input(self, k: int) -> str:
        if k < len(self.input_names) and not (self.inputs == 1 and self.input_names[k] == "x1"):
            name = self.input_names[k]
            return self._named(FEATURE_NAMES.get(name, name))
        return self._named("x" if self.inputs == 1 else f"x{k + 1}")

    def weight(self, layer: int, unit: int, k: int) -> str:
        units, fan_in = self.layers[layer][0], self.fan_in(layer)
        indices = ([unit + 1] if units > 1 else []) + ([k + 1] if fan_in > 1 else [])
        return self._named("w" + self._layer(layer) + (subscript(*indices) if indices else ""))

    def bias(self, layer: int, unit: int) -> str:
        return self._named("b" + self._layer(layer) + self._unit(layer, unit))

    def z(self, layer: int, unit: int) -> str:
        return self._named("z" + self._layer(layer) + self._unit(layer, unit))

    def a(self, layer: int, unit: int) -> str:
        if layer == len(self.layers) - 1:
            return self._named("ŷ" + self._output(unit))
        return self._named("a" + self._layer(layer) + self._unit(layer, unit))

    def target(self, unit: int) -> str:
        return self._named("y" + self._output(unit))

    def layer_input(self, layer: int, k: int) -> str:
        """What feeds input k of a layer: an input of the network or an activation below."""
        return self.input(k) if layer == 0 else self.a(layer - 1, k)

    @property
    def loss(self) -> str:
        return self._named("L")

    def _output(self, unit: int) -> str:
        """An output's subscript: its class (from 0) when outputs are classes, else its unit (from 1)."""
        if self.classes:
            return str(unit).translate(_SUBSCRIPT) if unit <= 9 else f"[{unit}]"
        return self._unit(len(self.layers) - 1, unit)

    def _unit(self, layer: int, unit: int) -> str:
        return subscript(unit + 1) if self.layers[layer][0] > 1 else ""

    # --------------------------------------------------------- validation
    def defaults(self) -> list[str]:
        """Every default name (as a ``[names]`` key) this network has."""
        plain = Names(self.inputs, self.layers, self.input_names, classes=self.classes)
        out = [key_of(plain.input(k)) for k in range(self.inputs)]
        for layer, (units, has_bias) in enumerate(self.layers):
            for j in range(units):
                out += [key_of(plain.weight(layer, j, k)) for k in range(self.fan_in(layer))]
                if has_bias:
                    out.append(key_of(plain.bias(layer, j)))
                out += [key_of(plain.z(layer, j)), key_of(plain.a(layer, j))]
        out += [key_of(plain.target(j)) for j in range(self.layers[-1][0])] + ["L"]
        return out
