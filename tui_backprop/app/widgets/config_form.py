"""The network configuration form.

Values are checked by the same validation as presets (``parse_config``), so a
bad value is refused in place, next to its field, and never reaches the
network. Learning rate, optimizer and regularization apply live; anything
that changes the network or the data asks before rebuilding (a reset).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.validation import Function, Number
from textual.widgets import Button, Checkbox, Input, Label, Select, Static

from tui_backprop.app.widgets.config_fields import (_batch_valid, _float, _hidden_text, _hidden_valid, _int,
                                                   _layer_dict, _layers, _settings_text, _sources, _value,
                                                   parse_hidden, parse_settings)
from tui_backprop.app.widgets.tick_box import TickBox
from tui_backprop.config import Config, ConfigError, config_to_dict, parse_config
from tui_backprop.core.activations import ACTIVATIONS
from tui_backprop.core.datasets import FEATURES, GENERATED
from tui_backprop.core.optimizers import OPTIMIZERS
from tui_backprop.lessons import LOCKABLE
from tui_backprop.schema import FIELD, FIELDS, LAYER_FIELD, OPTIMIZER_SETTING_NAMES, says

# The plain fields, in the form's order: (schema key, widget id). The schema gives label, limits and choices.
PLAIN_FIELDS = (("training.loss", "loss"), ("training.optimizer", "optimizer"),
                ("training.learning_rate", "learning_rate"), ("training.batch_size", "batch_size"),
                ("training.regularization", "regularization"),
                ("training.regularization_rate", "regularization_rate"), ("data.source", "dataset"),
                ("data.noise", "noise"), ("data.test_fraction", "test_fraction"), ("network.seed", "seed"),
                ("network.bias_init", "bias_init"))
LIVE_FIELDS = {f.name for f in FIELDS if f.live} | {"optimizer_settings"}


def describe_changes(changed: set[str]) -> str:
    names = sorted({says(c if "." in c else f"training.{c}") for c in changed})
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


FEATURE_LABELS = {"x1": "X₁", "x2": "X₂", "x1^2": "X₁²", "x2^2": "X₂²", "x1*x2": "X₁X₂",
                  "sin(x1)": "sin X₁", "sin(x2)": "sin X₂"}
DEFAULT_FEATURES = ("x1", "x2")

# Which widget shows the error for a config field.
FIELD_WIDGETS = {key: wid for key, wid in PLAIN_FIELDS} | {
    f"training.{name}": "optimizer_settings" for name in OPTIMIZER_SETTING_NAMES + ("optimizer_settings",)} | {
    "data.features": "feature-0", "network.layers": "hidden", "network.inputs": "dataset",
    "output_units": "output_units"}

def _options(names) -> list[tuple[str, str]]:
    return [(n, n) for n in names]


def _range_label(f) -> str:
    limits = f.limits_text() if f.high is not None and f.high < 1000 else ""
    return f"{f.label} ({limits})" if limits else f.label


def _field_widgets(key: str, wid: str, value, sources):
    """Label, widget and error line for one plain field, from the schema."""
    f = FIELD[key]
    yield Label(_range_label(f), id=f"{wid}-label")
    if f.kind == "choice":
        yield Select(_options(sources if wid == "dataset" else f.choices), value=value, allow_blank=False, id=wid)
    elif wid == "batch_size":
        yield Input(str(value), id=wid, validators=[Function(_batch_valid, "expected a whole number ≥ 1 or 'full'")])
    else:
        low = f.low if not f.low_open else (f.low or 0) + 1e-12
        yield Input(str(value) if f.kind == "int" else f"{value:g}", id=wid,
                    type="integer" if f.kind == "int" else "text",
                    validators=[Number(minimum=low, maximum=f.high)])
    yield Static("", classes="field-error", id=f"{wid}-error")


class ConfigForm(VerticalScroll, can_focus=False):
    """Edit the network, data and training settings; Apply (or Enter) to use them."""

    BINDINGS = [
        Binding("escape", "leave", "leave form", id="config.leave"),
        Binding("enter", "apply_form", "apply", id="config.apply", show=False,
                tooltip="Apply the form (from a tick box too; space ticks it)"),
    ]

    DEFAULT_CSS = """
    ConfigForm { padding: 0 1; }
    ConfigForm Label { margin-top: 1; color: $text-muted; }
    ConfigForm Input, ConfigForm Select { width: 100%; }
    ConfigForm .field-error { color: $error; height: auto; }
    ConfigForm #form-message { height: auto; margin-top: 1; }
    ConfigForm #locks-note { height: auto; color: $warning; }
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
        out = net.layers[-1]
        yield Static("", id="locks-note")
        yield Label("Hidden layers", id="hidden-label")
        yield Input(_hidden_text(net.layers), id="hidden", placeholder="e.g. 4 tanh, 2 relu",
                    validators=[Function(_hidden_valid, "expected e.g. '4 tanh, 2 relu'")])
        yield Static("", classes="field-error", id="hidden-error")
        units = LAYER_FIELD["units"]
        yield Label(f"Output units ({units.low:g} … {units.high:g})", id="output_units-label")  # (26 cells at 100×30)
        yield Input(str(out.units), id="output_units", type="integer",
                    validators=[Number(minimum=units.low, maximum=units.high)])
        yield Static("", classes="field-error", id="output_units-error")
        yield Label("Output activation", id="output_activation-label")
        yield Select(_options(ACTIVATIONS), value=out.activation, allow_blank=False, id="output_activation")
        yield TickBox("Biases", value=all(l.bias for l in net.layers), id="bias")
        for key, wid in PLAIN_FIELDS:
            yield from _field_widgets(key, wid, _value(c, key), _sources(c))
            if wid == "optimizer":
                yield Label("Optimizer settings", id="optimizer_settings-label")
                yield Input(_settings_text(train.optimizer, dict(train.optimizer_settings)),
                            id="optimizer_settings", placeholder="(none for sgd)")
                yield Static("", classes="field-error", id="optimizer_settings-error")
            if wid == "dataset":
                yield Label("Input features", id="features-label")
                chosen = set(data.features or DEFAULT_FEATURES)
                with Horizontal(id="features"):
                    for i, name in enumerate(FEATURES):
                        yield TickBox(FEATURE_LABELS[name], value=name in chosen, id=f"feature-{i}", compact=True)
                yield Static("", classes="field-error", id="feature-0-error")
        yield Static("", id="form-message")
        with Horizontal():
            yield Button("Apply", id="apply", variant="primary")
            yield Button("Revert", id="revert")

    # -------------------------------------------------------------- reading
    def load(self, config: Config) -> None:
        """Show another configuration (after a preset load or a reset)."""
        self.config = config
        net, data, train = config.network, config.data, config.training
        self.query_one("#hidden", Input).value = _hidden_text(net.layers)
        self.query_one("#output_units", Input).value = str(net.layers[-1].units)
        self.query_one("#output_activation", Select).value = net.layers[-1].activation
        self.query_one("#bias", Checkbox).value = all(l.bias for l in net.layers)
        self.query_one("#dataset", Select).set_options(_options(_sources(config)))
        for key, wid in PLAIN_FIELDS:
            value = _value(config, key)
            widget = self.query_one(f"#{wid}")
            widget.value = value if isinstance(widget, Select) else (
                str(value) if FIELD[key].kind == "int" or isinstance(value, str) else f"{value:g}")
        self.query_one("#optimizer_settings", Input).value = _settings_text(train.optimizer,
                                                                             dict(train.optimizer_settings))
        chosen = set(data.features or DEFAULT_FEATURES)
        for i, name in enumerate(FEATURES):
            self.query_one(f"#feature-{i}", Checkbox).value = name in chosen
        self.clear_errors()
        self.apply_locks()

    def on_mount(self) -> None:
        self.apply_locks()

    def apply_locks(self) -> None:
        """The lesson's locks: hidden fields go, locked ones stay visible but cannot change."""
        locks = self.config.locks
        hidden, locked = locks.widgets(locks.hidden), locks.widgets(locks.locked)
        lockable = locks.widgets(tuple(LOCKABLE))
        # one walk of the form (a query per field walked it some 60 times), and only real changes: each
        # change restyles the node
        for node in self.walk_children():
            wid = (node.id or "").removesuffix("-label").removesuffix("-error")
            if wid not in lockable:
                continue
            if node.display != (wid not in hidden):
                node.display = wid not in hidden
            if node.id == wid and node.disabled != (wid in locked):
                node.disabled = wid in locked
        note = self.query_one("#locks-note", Static)
        names = ", ".join(n.replace("_", " ") for n in locks.locked)
        note.update(f"[b]Locked by this lesson[/b]: {names}. {locks.why}" if locks.locked else "")
        note.display = bool(locks.locked)

    def first_free_field(self):
        """The first field the lesson leaves free, a text box before any other (typing goes into it), or None."""
        def shown(w) -> bool:  # a hidden field, or a tick box in the hidden features row
            return w.display and (w.parent is self or shown(w.parent))

        fields = [w for w in self.query("Input, Select, Checkbox") if w.focusable and shown(w)]
        return next((w for w in fields if isinstance(w, Input)), fields[0] if fields else None)

    def focus_read_only(self) -> None:
        """Every field is locked: the form itself takes the keys, so typing meant for a field does not train,
        reset or reveal the solution behind it (escape still leaves)."""
        self.can_focus = True
        self.focus()

    def on_blur(self) -> None:
        self.can_focus = False  # (only focus_read_only lets the form itself hold the focus)

    def on_key(self, event) -> None:
        if self.has_focus and (event.is_printable or event.key in ("backspace", "delete", "enter")):
            event.stop()  # not on to the main view's keys
            event.prevent_default()
            self.app.bell()

    def set_learning_rate(self, value: float) -> None:
        self.config = self.config.replace("training", learning_rate=value)
        self.query_one("#learning_rate", Input).value = f"{value:g}"

    def clear_errors(self) -> None:
        for err in self.query(".field-error"):
            err.update("")
        self.query_one("#form-message", Static).update("")

    def _error(self, widget_id: str, message: str) -> None:
        target = self.query(f"#{widget_id}-error")
        shown = target.first() if target else self.query_one("#form-message", Static)
        shown.update(message if target else f"[red]{message}[/red]")
        widget = self.query(f"#{widget_id}")
        if widget:
            widget.first().focus()
        # the refusal in sight, under its field (it was below the pane's fold at 100×30), once laid out
        self.call_after_refresh(lambda: self.scroll_to_widget(shown, animate=False))

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
        out_units = _int(val("output_units"), "output_units")
        layers = _layers(c.network.layers, hidden, out_units, sel("output_activation"),
                         self.query_one("#bias", Checkbox).value)
        source = sel("dataset")
        raw = config_to_dict(c)
        for key in ("notes", "compare"):
            raw.pop(key, None)
        raw["network"]["layers"] = [_layer_dict(spec) for spec in layers]
        for key, wid in PLAIN_FIELDS:
            section, name = key.split(".")
            kind = FIELD[key].kind
            if kind == "choice":
                value = sel(wid)
            elif wid == "batch_size" and val(wid) == "full":
                value = "full"
            else:
                value = (_int if kind == "int" else _float)(val(wid), key)
            raw[section][name] = value
        try:
            settings = parse_settings(val("optimizer_settings"))
        except ValueError as exc:
            raise ConfigError(None, "training.optimizer_settings", str(exc)) from None
        for name in OPTIMIZER_SETTING_NAMES:
            raw["training"].pop(name, None)
        defaults = OPTIMIZERS[sel("optimizer")].defaults
        raw["training"].update({k: v for k, v in settings.items() if defaults.get(k) != v})
        data = raw["data"]
        if source != c.data.source:
            for key in ("x", "y", "path", "features"):
                data.pop(key, None)
            data["test_fraction"] = data.get("test_fraction") or FIELD["data.test_fraction"].default
            data["classes"] = c.data.classes if source == "spiral" else 2
            raw["network"]["inputs"] = 2
        if source in GENERATED:
            features = [name for i, name in enumerate(FEATURES) if self.query_one(f"#feature-{i}", Checkbox).value]
            if not features:
                raise ConfigError(None, "data.features", "choose at least one input feature")
            data.pop("features", None)
            if tuple(features) != DEFAULT_FEATURES:
                data["features"] = features
            raw["network"]["inputs"] = len(features)
        lesson_path = None if c.data.path is None else str(Path(c.data.path).resolve())
        if getattr(self.app, "served", False) and data.get("path") != lesson_path:
            # Served in a browser: a visitor may not make the server read one of its files.
            raise ConfigError(None, "data.source", "in the browser, data comes from the lesson, not a file path")
        config = parse_config(raw, None, c.name)
        # What the form does not show stays the lesson's (its notes, its starting speed).
        return dataclasses.replace(config, notes=c.notes, compare=c.compare, path=c.path,
                                   training=dataclasses.replace(config.training, speed=c.training.speed))

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
            # beside its own field the message needs no TOML path; at the form's foot it names the field
            self._error(widget or "form", exc.message if widget or not exc.field else f"{exc.field}: {exc.message}")
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

    def action_apply_form(self) -> None:
        self.apply()

    def action_leave(self) -> None:
        """Escape: back to the panes, so single-letter keys drive training again."""
        self.screen.query_one("#inspector").focus()
        self.screen.close_side()

    @on(Select.Changed, "#optimizer")
    def _optimizer_changed(self, event: Select.Changed) -> None:
        if event.value != self.config.training.optimizer:
            self.query_one("#optimizer_settings", Input).value = _settings_text(str(event.value), {})
        self._pending()

    @on(Input.Changed)
    def _edited(self, event: Input.Changed) -> None:
        """A field's refusal goes once the field is edited (QA8 K5: it stayed until the next Apply), as the
        weight dialog's does."""
        error = self.query(f"#{event.input.id}-error")
        if error:
            error.first().update("")
        self._pending()

    @on(Select.Changed)
    @on(Checkbox.Changed)
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
