"""The configuration's fields, stated once: name, kind, limits, default, and how the learner calls it.

The TOML reader (``config.py``), the Config form and the session writer all read this table,
so a limit cannot differ between them (see docs/architecture.md, "Where a new lesson field goes").
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from tui_backprop.core.activations import ACTIVATIONS
from tui_backprop.core.datasets import LABEL_FORMATS, SOURCES
from tui_backprop.core.losses import LOSSES
from tui_backprop.core.network import INITS
from tui_backprop.core.optimizers import OPTIMIZERS, REGULARIZATIONS

# The four coarse pause points; per-layer phase names ("forward L1" …) are accepted too (``phase_names``).
PHASES = ("forward", "loss", "backward", "update")
PAUSE_POINTS = ("none",) + PHASES

MAX_UNITS = 512  # per layer: the form, the presets and saved sessions share this limit
MAX_HIDDEN_LAYERS = 8
# Steps of one run: the CLI's --steps and a lesson's questions[].step / notes[].step (which the checker
# trains up to). A run keeps a loss per step (80 MB at this limit) and takes about an hour to get there at
# a few thousand steps a second; past it a typo runs for days.
MAX_STEPS = 10_000_000
SEED_LIMIT = 2**63  # seeds are below it: the presets, train --seed and sweep --seeds share this limit


@dataclass(frozen=True)
class Field:
    section: str  # "network", "data" or "training"
    name: str
    kind: str  # "int", "number", "choice", "bool"
    default: Any
    low: float | None = None
    high: float | None = None
    low_open: bool = False  # the low limit itself is not allowed
    below_high: bool = False  # the high limit itself is not allowed
    choices: tuple[str, ...] = ()
    optional: bool = False  # None (absent) is allowed
    label: str = ""  # the form's label
    says: str = ""  # how a change is named to the learner: "the learning rate"
    live: bool = False  # applies to a running session without a rebuild

    @property
    def key(self) -> str:
        return f"{self.section}.{self.name}"

    def limits_text(self) -> str:
        if self.low is None and self.high is None:
            return ""
        from tui_backprop.core.figures import fmt

        low = "" if self.low is None else fmt(self.low, 6)
        high = "" if self.high is None else fmt(self.high, 6)
        return f"{low} … {high}".strip()


def _f(section, name, kind, default, **kw) -> Field:
    return Field(section, name, kind, default, **kw)


# Optimizer settings, from the optimizers' own defaults (one list: core/optimizers.py).
OPTIMIZER_SETTING_NAMES = tuple(dict.fromkeys(k for cls in OPTIMIZERS.values() for k in cls.defaults))

FIELDS: tuple[Field, ...] = (
    _f("network", "inputs", "int", 2, low=1, high=10_000, says="the input features"),
    _f("network", "seed", "int", 0, low=0, high=SEED_LIMIT - 1, label="Seed", says="the seed"),
    _f("network", "init", "choice", "xavier", choices=INITS, says="the initialisation"),
    _f("network", "bias_init", "number", 0.0, low=-100.0, high=100.0, label="Initial bias (every unit)",
       says="the initial bias"),
    _f("network", "init_scale", "number", 1.0, low=0.0, says="the initial weight scale"),
    _f("data", "source", "choice", "xor", choices=SOURCES, label="Dataset", says="the dataset"),
    _f("data", "samples", "int", 200, low=2, high=1_000_000, says="the number of samples"),
    _f("data", "noise", "number", 0.0, low=0.0, high=0.5, label="Noise", says="the noise"),
    _f("data", "test_fraction", "number", 0.5, low=0.0, high=0.9, label="Test fraction", says="the test fraction"),
    _f("data", "seed", "int", None, low=0, high=SEED_LIMIT - 1, optional=True, says="the data seed"),
    _f("data", "target_columns", "int", 1, low=1, high=1000, says="the target columns"),
    _f("data", "labels", "choice", "zero_one", choices=LABEL_FORMATS, says="the labels"),
    _f("data", "classes", "int", 2, low=2, high=10, says="the number of classes"),
    _f("training", "loss", "choice", "bce", choices=tuple(LOSSES), label="Loss", says="the loss"),
    _f("training", "optimizer", "choice", "sgd", choices=tuple(OPTIMIZERS), label="Optimizer",
       says="the optimizer", live=True),
    _f("training", "learning_rate", "number", 0.1, low=0.0, high=100.0, low_open=True, label="Learning rate",
       says="the learning rate", live=True),
    _f("training", "batch_size", "int", 10, low=1, high=1_000_000, label="Batch size (or full)",
       says="the batch size"),
    _f("training", "regularization", "choice", "none", choices=REGULARIZATIONS, label="Regularization",
       says="the regularization", live=True),
    _f("training", "regularization_rate", "number", 0.0, low=0.0, high=10.0, label="Regularization rate",
       says="the regularization rate", live=True),
    _f("training", "pause_after", "choice", "none", choices=PAUSE_POINTS, says="where training pauses"),
    _f("training", "stop_after_epochs", "int", None, low=1, optional=True, says="the epoch limit"),
    _f("training", "stop_below_loss", "number", None, low=0.0, low_open=True, optional=True,
       says="the loss target"),
    _f("training", "speed", "number", None, low=0.0, high=1_000_000.0, low_open=True, optional=True,
       says="the speed", live=True),  # steps a second; absent (or "full") is full speed
) + tuple(
    _f("training", name, "number", None, low=0.0, high=1.0, optional=True, low_open=name == "epsilon",
       below_high=name != "epsilon", says="the optimizer settings", live=True)
    for name in OPTIMIZER_SETTING_NAMES
)

FIELD = {f.key: f for f in FIELDS}
LAYER_FIELDS = (
    _f("layer", "units", "int", None, low=1, high=MAX_UNITS, says="the layers"),
    _f("layer", "activation", "choice", "tanh", choices=tuple(ACTIVATIONS), says="the layers"),
    _f("layer", "bias", "bool", True, says="the layers"),
)
LAYER_FIELD = {f.name: f for f in LAYER_FIELDS}


def section_keys(section: str) -> set[str]:
    return {f.name for f in FIELDS if f.section == section}


def says(key: str) -> str:
    """The learner's name for a changed field (``training.learning_rate`` → "the learning rate")."""
    if key.startswith("network.layers"):
        return "the layers"
    if key == "data.features":
        return "the input features"
    if key == "training.optimizer_settings":
        return "the optimizer settings"
    field = FIELD.get(key)
    return field.says if field and field.says else key.split(".")[-1].replace("_", " ")


UNCHANGING = ("seed", "speed", "pause_after")  # seeds are said apart; speed and pause points change no number


def setting_changes(old, new, skip: tuple[str, ...] = UNCHANGING) -> list[str]:
    """How configuration ``new`` differs from ``old``, a few words a setting, as the Config tab names them
    ("hidden layers 3 tanh", "learning rate 0.3"); fields named in ``skip`` are left out."""
    words = []
    for section in ("network", "data", "training"):
        before, after = getattr(old, section), getattr(new, section)
        for field in fields(before):
            value = getattr(after, field.name)
            if field.name in skip or getattr(before, field.name) == value:
                continue
            if field.name == "layers":
                hidden = ", ".join(f"{layer.units} {layer.activation}" for layer in value[:-1]) or "none"
                words.append(f"hidden layers {hidden}")  # as the Config tab writes them
                if value[-1:] != before.layers[-1:]:
                    words.append(f"output {value[-1].units} {value[-1].activation}")
                continue
            name = says(f"{section}.{field.name}").removeprefix("the ")
            plain = isinstance(value, (int, float, str)) and not isinstance(value, bool)
            words.append(f"{name} {value:g}" if isinstance(value, float) else f"{name} {value}" if plain else name)
    return words


def phase_names(layer_count: int) -> tuple[str, ...]:
    """Every phase a pause or a lesson note may name, for a network of ``layer_count`` layers."""
    forward = tuple(f"forward L{i}" for i in range(1, layer_count + 1))
    backward = tuple(f"backward L{i}" for i in range(layer_count, 0, -1))
    return PHASES + forward + backward


def step_phases(layer_count: int) -> tuple[str, ...]:
    """The phases of one step, in order, one layer at a time: forward L1 … Ln, loss, backward Ln … L1, update."""
    return (tuple(f"forward L{i}" for i in range(1, layer_count + 1)) + ("loss",)
            + tuple(f"backward L{i}" for i in range(layer_count, 0, -1)) + ("update",))


def resolve_phase(name: str, layer_count: int) -> str:
    """The step phase a pause point, note or question names: "forward" is the whole forward pass (so after
    its last layer), "backward" the whole backward pass (after backward L1)."""
    return {"forward": f"forward L{layer_count}", "backward": "backward L1"}.get(name, name)


def phase_order(phase: str) -> tuple[int, int]:
    """Where a phase falls in a step, for sorting notes and questions of one step."""
    if phase == "forward" or phase.startswith("forward L"):
        return 0, int(phase[9:]) if phase.startswith("forward L") else 10_000
    if phase == "loss":
        return 1, 0
    if phase == "backward" or phase.startswith("backward L"):
        return 2, -int(phase[10:]) if phase.startswith("backward L") else 0
    return 3, 0
