"""The Config form's values as text and back: parsing, checks and the small conversions (no Textual here)."""

from __future__ import annotations

from tui_backprop.config import Config, ConfigError
from tui_backprop.core.activations import ACTIVATIONS
from tui_backprop.core.datasets import GENERATED
from tui_backprop.core.network import LayerSpec
from tui_backprop.core.optimizers import OPTIMIZERS
from tui_backprop.schema import FIELD, MAX_HIDDEN_LAYERS, MAX_UNITS


def parse_hidden(text: str, default_activation: str) -> list[tuple[int, str]]:
    """'4, 2' or '4 tanh, 2 relu' → [(4, 'tanh'), (2, 'relu')]. Empty: no hidden layers."""
    layers = []
    for part in text.replace(";", ",").split(","):
        words = part.split()
        if not words:
            continue
        if len(words) > 2:
            raise ValueError(f"{part.strip()!r}: expected units and an optional activation")
        try:
            units = int(words[0])
        except ValueError:
            raise ValueError(f"{words[0]!r} is not a whole number of units") from None
        if not 1 <= units <= MAX_UNITS:
            raise ValueError(f"{units} units: expected 1 to {MAX_UNITS}")
        act = words[1] if len(words) == 2 else default_activation
        if act not in ACTIVATIONS or act == "softmax":
            raise ValueError(f"{act!r}: expected one of linear, sigmoid, tanh, relu, leaky_relu")
        layers.append((units, act))
    if len(layers) > MAX_HIDDEN_LAYERS:
        raise ValueError(f"at most {MAX_HIDDEN_LAYERS} hidden layers")
    return layers


def _settings_text(optimizer: str, settings: dict[str, float]) -> str:
    merged = {**OPTIMIZERS[optimizer].defaults, **settings}
    return " ".join(f"{k}={v:g}" for k, v in merged.items())


def parse_settings(text: str) -> dict[str, float]:
    """'beta1=0.9 beta2=0.999' → {'beta1': 0.9, 'beta2': 0.999}."""
    out = {}
    for part in text.replace(",", " ").split():
        key, sep, value = part.partition("=")
        if not sep:
            raise ValueError(f"{part!r}: expected name=value, e.g. momentum=0.9")
        try:
            out[key.strip()] = float(value)
        except ValueError:
            raise ValueError(f"{value!r} is not a number") from None
    return out


def _hidden_valid(text: str) -> bool:
    try:
        parse_hidden(text, "tanh")
        return True
    except ValueError:
        return False


def _batch_valid(text: str) -> bool:
    text = text.strip()
    return text == "full" or (text.isdigit() and 1 <= int(text) <= FIELD["training.batch_size"].high)


def _int(text: str, field: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise ConfigError(None, field, f"expected a whole number, got {text!r}") from None


def _float(text: str, field: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise ConfigError(None, field, f"expected a number, got {text!r}") from None


def _layer_dict(spec: LayerSpec) -> dict:
    d = {"units": spec.units, "activation": spec.activation, "bias": spec.bias}
    if spec.weights is not None:
        d["weights"] = [list(r) for r in spec.weights]
    if spec.biases is not None:
        d["biases"] = list(spec.biases)
    return d


def _hidden_text(layers) -> str:
    return ", ".join(f"{l.units} {l.activation}" for l in layers[:-1])


def _value(config: Config, key: str):
    section, name = key.split(".")
    return getattr(getattr(config, section), name)


def _sources(config: Config) -> list[str]:
    return list(GENERATED) + ([config.data.source] if config.data.source not in GENERATED else [])


def _layers(old: tuple[LayerSpec, ...], hidden, out_units: int, out_activation: str, bias: bool) -> list[LayerSpec]:
    """The layers the form describes, compared with the ones in use by value.

    Where a layer keeps its units and activation it stays as it was (its hand-written
    weights, its own bias setting) unless the Biases tick was changed for the whole network.
    """
    wanted = list(hidden) + [(out_units, out_activation)]
    bias_unchanged = bias == all(l.bias for l in old)
    if bias_unchanged and [(l.units, l.activation) for l in old] == wanted:
        return list(old)
    return [LayerSpec(u, a, bias) for u, a in wanted]
