"""The network configuration form.

Values are checked by the same validation as presets (``parse_config``), so a
bad value is refused in place, next to its field, and never reaches the
network. Learning rate, optimizer and regularization apply live; anything
that changes the network or the data asks before rebuilding (a reset).
"""

from __future__ import annotations

import dataclasses

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.validation import Function, Number
from textual.widgets import Button, Checkbox, Input, Label, Select, Static

from tui_backprop.app.widgets.tick_box import TickBox

from tui_backprop.config import Config, ConfigError, parse_config
from tui_backprop.core.activations import ACTIVATIONS
from tui_backprop.core.datasets import FEATURES, GENERATED
from tui_backprop.core.losses import LOSSES
from tui_backprop.core.network import LayerSpec
from tui_backprop.core.optimizers import OPTIMIZERS, REGULARIZATIONS

LIVE_FIELDS = {"learning_rate", "optimizer", "optimizer_settings", "regularization", "regularization_rate"}

# How a changed field is named to the learner.
FIELD_NAMES = {
    "network.layers": "the layers", "network.inputs": "the input features", "network.seed": "the seed",
    "data.source": "the dataset", "data.noise": "the noise", "data.test_fraction": "the test fraction",
    "data.features": "the input features", "batch_size": "the batch size", "loss": "the loss",
    "learning_rate": "the learning rate", "optimizer": "the optimizer", "optimizer_settings": "its settings",
    "regularization": "the regularization", "regularization_rate": "the regularization rate",
}


def describe_changes(changed: set[str]) -> str:
    names = sorted({FIELD_NAMES.get(c, c.split(".")[-1].replace("_", " ")) for c in changed})
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]

# Which widget shows the error for a config field.
FEATURE_LABELS = {"x1": "X₁", "x2": "X₂", "x1^2": "X₁²", "x2^2": "X₂²", "x1*x2": "X₁X₂",
                  "sin(x1)": "sin X₁", "sin(x2)": "sin X₂"}
DEFAULT_FEATURES = ("x1", "x2")

FIELD_WIDGETS = {
    "data.features": "feature-0",
    "training.optimizer_settings": "optimizer_settings",
    "training.momentum": "optimizer_settings",
    "training.beta1": "optimizer_settings",
    "training.beta2": "optimizer_settings",
    "training.epsilon": "optimizer_settings",
    "training.alpha": "optimizer_settings",
    "network.layers": "hidden",
    "network.inputs": "dataset",
    "network.seed": "seed",
    "training.loss": "loss",
    "training.optimizer": "optimizer",
    "training.learning_rate": "learning_rate",
    "training.batch_size": "batch_size",
    "training.regularization": "regularization",
    "training.regularization_rate": "regularization_rate",
    "data.source": "dataset",
    "data.noise": "noise",
    "data.test_fraction": "test_fraction",
}


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
        if not 1 <= units <= 512:
            raise ValueError(f"{units} units: expected 1 to 512")
        act = words[1] if len(words) == 2 else default_activation
        if act not in ACTIVATIONS or act == "softmax":
            raise ValueError(f"{act!r}: expected one of linear, sigmoid, tanh, relu, leaky_relu")
        layers.append((units, act))
    if len(layers) > 8:
        raise ValueError("at most 8 hidden layers")
    return layers


def _settings_text(optimizer: str, settings: dict[str, float]) -> str:
    from tui_backprop.core.optimizers import OPTIMIZERS as _OPT

    merged = {**_OPT[optimizer].defaults, **settings}
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
    return text == "full" or (text.isdigit() and int(text) >= 1)


def _options(names) -> list[tuple[str, str]]:
    return [(n, n) for n in names]


class ConfigForm(VerticalScroll, can_focus=False):
    """Edit the network, data and training settings; Apply (or Enter) to use them."""

    BINDINGS = [
        Binding("escape", "leave", "leave form", id="config.leave"),
    ]

    DEFAULT_CSS = """
    ConfigForm { padding: 0 1; }
    ConfigForm Label { margin-top: 1; color: $text-muted; }
    ConfigForm Input, ConfigForm Select { width: 100%; }
    ConfigForm .field-error { color: $error; height: auto; }
    ConfigForm #form-message { height: auto; margin-top: 1; }
    ConfigForm Horizontal { height: auto; margin-top: 1; }
    ConfigForm #features { layout: grid; grid-size: 2; grid-gutter: 0; margin-top: 0; height: auto; }
    ConfigForm #features Checkbox { width: 1fr; }
    """

    class Applied(Message):
        """A valid configuration. ``live``: only settings that apply without a reset changed."""

        def __init__(self, config: Config, live: bool, changed: set[str]):
            super().__init__()
            self.config = config
            self.live = live
            self.changed = changed

    def __init__(self, config: Config, **kwargs):
        super().__init__(**kwargs)
        self.config = config

    def compose(self) -> ComposeResult:
        c = self.config
        net, data, train = c.network, c.data, c.training
        hidden = ", ".join(f"{l.units} {l.activation}" for l in net.layers[:-1])
        out = net.layers[-1]
        sources = list(GENERATED) + ([data.source] if data.source not in GENERATED else [])
        yield Label("Hidden layers")
        yield Input(hidden, id="hidden", placeholder="e.g. 4 tanh, 2 relu",
                    validators=[Function(_hidden_valid, "expected e.g. '4 tanh, 2 relu'")])
        yield Static("", classes="field-error", id="hidden-error")
        yield Label("Output layer: units")
        yield Input(str(out.units), id="output_units", type="integer",
                    validators=[Number(minimum=1, maximum=100)])
        yield Static("", classes="field-error", id="output_units-error")
        yield Label("Output activation")
        yield Select(_options(ACTIVATIONS), value=out.activation, allow_blank=False, id="output_activation")
        yield TickBox("Biases", value=all(l.bias for l in net.layers), id="bias")
        yield Label("Loss")
        yield Select(_options(LOSSES), value=train.loss, allow_blank=False, id="loss")
        yield Static("", classes="field-error", id="loss-error")
        yield Label("Optimizer")
        yield Select(_options(OPTIMIZERS), value=train.optimizer, allow_blank=False, id="optimizer")
        yield Label("Optimizer settings")
        yield Input(_settings_text(train.optimizer, dict(train.optimizer_settings)), id="optimizer_settings",
                    placeholder="(none for sgd)")
        yield Static("", classes="field-error", id="optimizer_settings-error")
        yield Label("Learning rate")
        yield Input(f"{train.learning_rate:g}", id="learning_rate",
                    validators=[Number(minimum=1e-12, maximum=100)])
        yield Static("", classes="field-error", id="learning_rate-error")
        yield Label("Batch size (or full)")
        yield Input(str(train.batch_size), id="batch_size",
                    validators=[Function(_batch_valid, "expected a whole number ≥ 1 or 'full'")])
        yield Static("", classes="field-error", id="batch_size-error")
        yield Label("Regularization")
        yield Select(_options(REGULARIZATIONS), value=train.regularization, allow_blank=False, id="regularization")
        yield Label("Regularization rate")
        yield Input(f"{train.regularization_rate:g}", id="regularization_rate",
                    validators=[Number(minimum=0, maximum=10)])
        yield Static("", classes="field-error", id="regularization_rate-error")
        yield Label("Dataset")
        yield Select(_options(sources), value=data.source, allow_blank=False, id="dataset")
        yield Static("", classes="field-error", id="dataset-error")
        yield Label("Input features")
        chosen = set(data.features or DEFAULT_FEATURES)
        with Horizontal(id="features"):
            for i, name in enumerate(FEATURES):
                yield TickBox(FEATURE_LABELS[name], value=name in chosen, id=f"feature-{i}", compact=True)
        yield Static("", classes="field-error", id="feature-0-error")
        yield Label("Noise (0 … 0.5)")
        yield Input(f"{data.noise:g}", id="noise", validators=[Number(minimum=0, maximum=0.5)])
        yield Static("", classes="field-error", id="noise-error")
        yield Label("Test fraction (0 … 0.9)")
        yield Input(f"{data.test_fraction:g}", id="test_fraction", validators=[Number(minimum=0, maximum=0.9)])
        yield Static("", classes="field-error", id="test_fraction-error")
        yield Label("Seed")
        yield Input(str(net.seed), id="seed", type="integer", validators=[Number(minimum=0)])
        yield Static("", classes="field-error", id="seed-error")
        yield Static("", id="form-message")
        with Horizontal():
            yield Button("Apply", id="apply", variant="primary")
            yield Button("Revert", id="revert")

    # -------------------------------------------------------------- reading
    def load(self, config: Config) -> None:
        """Show another configuration (after a preset load or a reset)."""
        self.config = config
        net, data, train = config.network, config.data, config.training
        self.query_one("#hidden", Input).value = ", ".join(f"{l.units} {l.activation}" for l in net.layers[:-1])
        self.query_one("#output_units", Input).value = str(net.layers[-1].units)
        self.query_one("#output_activation", Select).value = net.layers[-1].activation
        self.query_one("#bias", Checkbox).value = all(l.bias for l in net.layers)
        self.query_one("#loss", Select).value = train.loss
        self.query_one("#optimizer", Select).value = train.optimizer
        self.query_one("#optimizer_settings", Input).value = _settings_text(train.optimizer,
                                                                             dict(train.optimizer_settings))
        self.query_one("#learning_rate", Input).value = f"{train.learning_rate:g}"
        self.query_one("#batch_size", Input).value = str(train.batch_size)
        self.query_one("#regularization", Select).value = train.regularization
        self.query_one("#regularization_rate", Input).value = f"{train.regularization_rate:g}"
        dataset = self.query_one("#dataset", Select)
        sources = list(GENERATED) + ([data.source] if data.source not in GENERATED else [])
        dataset.set_options(_options(sources))
        dataset.value = data.source
        chosen = set(data.features or DEFAULT_FEATURES)
        for i, name in enumerate(FEATURES):
            self.query_one(f"#feature-{i}", Checkbox).value = name in chosen
        self.query_one("#noise", Input).value = f"{data.noise:g}"
        self.query_one("#test_fraction", Input).value = f"{data.test_fraction:g}"
        self.query_one("#seed", Input).value = str(net.seed)
        self.clear_errors()

    def set_learning_rate(self, value: float) -> None:
        self.config = self.config.replace("training", learning_rate=value)
        self.query_one("#learning_rate", Input).value = f"{value:g}"

    def clear_errors(self) -> None:
        for err in self.query(".field-error"):
            err.update("")
        self.query_one("#form-message", Static).update("")

    def _error(self, widget_id: str, message: str) -> None:
        target = self.query(f"#{widget_id}-error")
        if target:
            target.first().update(message)
        else:
            self.query_one("#form-message", Static).update(f"[red]{message}[/red]")
        widget = self.query_one(f"#{widget_id}")
        widget.focus()

    def build_config(self) -> Config:
        """The form's configuration; raises ConfigError naming the field."""
        c = self.config
        val = lambda wid: self.query_one(f"#{wid}", Input).value.strip()  # noqa: E731
        sel = lambda wid: self.query_one(f"#{wid}", Select).value  # noqa: E731
        default_act = c.network.layers[0].activation if len(c.network.layers) > 1 else "tanh"
        try:
            hidden = parse_hidden(val("hidden"), default_act)
        except ValueError as exc:
            raise ConfigError(None, "network.layers", str(exc)) from None
        try:
            out_units = int(val("output_units"))
        except ValueError:
            raise ConfigError(None, "output_units", "expected a whole number of output units") from None
        bias = self.query_one("#bias", Checkbox).value
        layers = [LayerSpec(u, a, bias) for u, a in hidden] + [LayerSpec(out_units, sel("output_activation"), bias)]
        # Keep hand-written weights when the shape of the network did not change.
        old = c.network.layers
        if [(l.units, l.activation, l.bias) for l in old] == [(l.units, l.activation, l.bias) for l in layers]:
            layers = list(old)
        source = sel("dataset")
        raw = {
            "title": c.title,
            "lesson": c.lesson,
            "network": {
                "inputs": c.network.inputs if source == c.data.source else 2,
                "seed": _int(val("seed"), "network.seed"),
                "init": c.network.init,
                "bias_init": c.network.bias_init,
                "init_scale": c.network.init_scale,
                "layers": [_layer_dict(l) for l in layers],
            },
            "data": _data_dict(dataclasses.replace(
                c.data, source=source, noise=_float(val("noise"), "data.noise"),
                test_fraction=_float(val("test_fraction"), "data.test_fraction"))),
            "training": {
                "loss": sel("loss"),
                "optimizer": sel("optimizer"),
                "learning_rate": _float(val("learning_rate"), "training.learning_rate"),
                "batch_size": "full" if val("batch_size") == "full" else _int(val("batch_size"), "training.batch_size"),
                "regularization": sel("regularization"),
                "regularization_rate": _float(val("regularization_rate"), "training.regularization_rate"),
                "pause_after": c.training.pause_after,
            },
        }
        try:
            settings = parse_settings(val("optimizer_settings"))
        except ValueError as exc:
            raise ConfigError(None, "training.optimizer_settings", str(exc)) from None
        defaults = OPTIMIZERS[sel("optimizer")].defaults
        raw["training"].update({k: v for k, v in settings.items() if defaults.get(k) != v})
        if source != c.data.source and source in GENERATED:
            raw["data"].pop("x", None), raw["data"].pop("y", None), raw["data"].pop("path", None)
            raw["data"]["test_fraction"] = raw["data"].get("test_fraction") or 0.5
            raw["data"]["features"] = list(c.data.features) or None
            if raw["data"]["features"] is None:
                raw["data"].pop("features")
            else:
                raw["network"]["inputs"] = len(c.data.features)
            raw["data"]["classes"] = c.data.classes if source == "spiral" else 2
            if raw["data"]["classes"] == 2:
                raw["data"].pop("classes")
        if source in GENERATED:
            features = [name for i, name in enumerate(FEATURES) if self.query_one(f"#feature-{i}", Checkbox).value]
            if not features:
                raise ConfigError(None, "data.features", "choose at least one input feature")
            if tuple(features) == DEFAULT_FEATURES:
                raw["data"].pop("features", None)
                raw["network"]["inputs"] = 2
            else:
                raw["data"]["features"] = features
                raw["network"]["inputs"] = len(features)
        if getattr(self.app, "served", False) and raw["data"].get("path") != c.data.path:
            # Served in a browser: a visitor may not make the server read one of its files.
            raise ConfigError(None, "data.source", "in the browser, data comes from the lesson, not a file path")
        config = parse_config(raw, None, c.name)
        return dataclasses.replace(config, checkpoints=c.checkpoints, compare=c.compare, path=c.path)

    def changed_fields(self, new: Config) -> set[str]:
        old = self.config
        changed = set()
        for section in ("network", "data", "training"):
            a, b = getattr(old, section), getattr(new, section)
            for f in dataclasses.fields(a):
                if f.name == "optimizer_settings":
                    defaults_a = OPTIMIZERS[a.optimizer].defaults
                    defaults_b = OPTIMIZERS[b.optimizer].defaults
                    if {**defaults_a, **dict(a.optimizer_settings)} != {**defaults_b, **dict(b.optimizer_settings)}:
                        changed.add(f.name)
                    continue
                if getattr(a, f.name) != getattr(b, f.name):
                    changed.add(f.name if section == "training" else f"{section}.{f.name}")
        return changed

    # --------------------------------------------------------------- events
    @on(Button.Pressed, "#apply")
    @on(Input.Submitted)
    def apply(self) -> None:
        self.clear_errors()
        try:
            new = self.build_config()
        except ConfigError as exc:
            widget = FIELD_WIDGETS.get(exc.field) or FIELD_WIDGETS.get(exc.field.split("[")[0])
            if widget is None and exc.field.startswith("network.layers"):
                widget = "output_units" if exc.field.endswith(".units") else "hidden"
            if exc.field.startswith("network.layers") and "units" in exc.field:
                widget = "output_units"
            self._error(widget or "form", f"{exc.field}: {exc.message}" if exc.field else exc.message)
            return
        changed = self.changed_fields(new)
        if not changed:
            self.query_one("#form-message", Static).update("Nothing changed.")
            return
        live = changed <= LIVE_FIELDS
        self.post_message(self.Applied(new, live, changed))

    @on(Button.Pressed, "#revert")
    def revert(self) -> None:
        self.load(self.config)
        self.query_one("#form-message", Static).update("Back to the settings in use.")

    def action_leave(self) -> None:
        """Escape: back to the panes, so single-letter keys drive training again."""
        self.app.set_focus(self.app.query_one("#inspector"))
        if hasattr(self.app, "close_side"):
            self.app.close_side()

    @on(Select.Changed, "#optimizer")
    def _optimizer_changed(self, event: Select.Changed) -> None:
        if event.value != self.config.training.optimizer:
            self.query_one("#optimizer_settings", Input).value = _settings_text(str(event.value), {})
        self._pending()

    @on(Select.Changed)
    @on(Checkbox.Changed)
    @on(Input.Changed)
    def _pending(self) -> None:
        if not self.is_mounted:
            return
        try:
            new = self.build_config()
        except ConfigError:
            return
        changed = self.changed_fields(new)
        message = self.query_one("#form-message", Static)
        if changed:
            message.update(f"[b]Not applied yet:[/b] {describe_changes(changed)}. Enter or Apply.")
        else:
            message.update("")

    def confirm_applied(self, config: Config, text: str) -> None:
        self.config = config
        self.query_one("#form-message", Static).update(text)


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


def _data_dict(data) -> dict:
    d = {"source": data.source, "samples": data.samples, "noise": data.noise,
         "test_fraction": data.test_fraction, "labels": data.labels, "target_columns": data.target_columns}
    if data.seed is not None:
        d["seed"] = data.seed
    if data.classes != 2:
        d["classes"] = data.classes
    if data.features:
        d["features"] = list(data.features)
    if data.x is not None:
        d["x"] = [list(r) for r in data.x]
        d["y"] = [list(r) for r in data.y]
    if data.path is not None:
        d["path"] = data.path
    return d
