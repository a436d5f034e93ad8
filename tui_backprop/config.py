"""Validated configuration: a preset's TOML turned into frozen dataclasses.

Every problem is a ``ConfigError`` naming the file, the field (as written in
the TOML, e.g. ``training.learning_rate``) and what was expected, so a person
writing a preset can fix it from one line.
"""

from __future__ import annotations

import dataclasses
import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tui_backprop.core.datasets import FEATURES, GENERATED
from tui_backprop.core.figures import counted
from tui_backprop.core.network import LayerSpec
from tui_backprop.core.optimizers import OPTIMIZER_SETTINGS
from tui_backprop.config_reader import ConfigError, Reader, _kind, shown
from tui_backprop.config_checks import check_consistency
from tui_backprop.config_writer import config_to_dict, lesson_parts_to_dict  # noqa: F401 (re-exported)
from tui_backprop.lesson_reader import parse_goals, parse_hints, parse_locks, parse_questions
from tui_backprop.lessons import Goal, Locks, Question, Solution
from tui_backprop.schema import (FIELD, LAYER_FIELD, MAX_HIDDEN_LAYERS, MAX_STEPS, OPTIMIZER_SETTING_NAMES,
                                 PAUSE_POINTS, PHASES, phase_names, phase_order, resolve_phase, section_keys,
                                 step_phases)

__all__ = ["PHASES", "PAUSE_POINTS", "Config", "ConfigError", "Note", "load_config", "parse_config",
           "config_to_dict", "phase_names", "resolve_phase", "step_phases"]


@dataclass(frozen=True)
class NetworkConfig:
    inputs: int = FIELD["network.inputs"].default
    seed: int = FIELD["network.seed"].default
    init: str = FIELD["network.init"].default
    bias_init: float = FIELD["network.bias_init"].default
    init_scale: float = FIELD["network.init_scale"].default
    layers: tuple[LayerSpec, ...] = (LayerSpec(4, "tanh"), LayerSpec(1, "sigmoid"))


@dataclass(frozen=True)
class DataConfig:
    source: str = FIELD["data.source"].default
    samples: int = FIELD["data.samples"].default
    noise: float = FIELD["data.noise"].default
    test_fraction: float = FIELD["data.test_fraction"].default
    seed: int | None = None  # None: the network's seed
    x: tuple | None = None
    y: tuple | None = None
    path: str | None = None
    target_columns: int = FIELD["data.target_columns"].default
    labels: str = FIELD["data.labels"].default
    classes: int = FIELD["data.classes"].default
    features: tuple[str, ...] = ()


@dataclass(frozen=True)
class TrainingConfig:
    loss: str = FIELD["training.loss"].default
    optimizer: str = FIELD["training.optimizer"].default
    learning_rate: float = FIELD["training.learning_rate"].default
    batch_size: int | str = FIELD["training.batch_size"].default
    regularization: str = FIELD["training.regularization"].default
    regularization_rate: float = FIELD["training.regularization_rate"].default
    pause_after: str = FIELD["training.pause_after"].default  # "pause after": one name for the idea
    optimizer_settings: tuple[tuple[str, float], ...] = ()
    stop_after_epochs: int | None = None
    stop_below_loss: float | None = None
    speed: float | None = FIELD["training.speed"].default  # steps a second when the lesson opens (None: full)


@dataclass(frozen=True)
class Note:
    """A lesson's note: training pauses at this step and phase and shows the text."""

    step: int
    text: str
    phase: str = "update"


@dataclass(frozen=True)
class Config:
    title: str = "Untitled"
    lesson: str = ""
    network: NetworkConfig = field(default_factory=NetworkConfig)
    data: DataConfig = field(default_factory=DataConfig)
    training: TrainingConfig = field(default_factory=TrainingConfig)
    notes: tuple[Note, ...] = ()
    questions: tuple[Question, ...] = ()
    goals: tuple[Goal, ...] = ()
    hints: tuple[str, ...] = ()
    solution: Solution | None = None
    locks: Locks = Locks()
    compare: tuple[tuple[str, Any], ...] = ()  # (label, overrides) for compare mode
    name: str = "custom"
    path: str | None = None
    names: tuple[tuple[str, str], ...] = ()  # [names]: default name → the lesson's name (a1 → h)

    @property
    def data_seed(self) -> int:
        return self.network.seed if self.data.seed is None else self.data.seed

    def with_seed(self, seed: int) -> "Config":
        """Same preset, new seed for initialisation, shuffling and (unless pinned) data."""
        return dataclasses.replace(self, network=dataclasses.replace(self.network, seed=seed))

    def replace(self, section: str | None = None, **changes) -> "Config":
        if section is None:
            return dataclasses.replace(self, **changes)
        return dataclasses.replace(self, **{section: dataclasses.replace(getattr(self, section), **changes)})


TOP_KEYS = {"title", "lesson", "network", "data", "training", "notes", "checkpoints", "compare", "names",
            "questions", "goals", "hints", "solution", "locks"}
SOLUTION_KEYS = {"text", "network", "data", "training", "names"}
NETWORK_KEYS = section_keys("network") | {"layers"}
LAYER_KEYS = set(LAYER_FIELD) | {"weights", "biases"}
DATA_KEYS = (section_keys("data") | {"x", "y", "path", "features"})
TRAINING_KEYS = section_keys("training")
NOTE_KEYS = {"step", "phase", "text"}
COMPARE_KEYS = {"label", "training"}


def parse_config(raw: dict, source: str | Path | None = None, name: str = "custom") -> Config:
    r = Reader(source)
    r.table(raw, "", TOP_KEYS)
    for table in ("network", "data"):
        if table not in raw:
            r.fail(table, f"missing; a lesson says what it trains: add a [{table}] table")
    title = r.string(raw.get("title", name), "title")
    lesson = r.string(raw.get("lesson", ""), "lesson")
    network = _parse_network(r, raw["network"])
    data = _parse_data(r, raw["data"], source)
    training = _parse_training(r, raw.get("training", {}), "training", layers=len(network.layers))
    notes = _parse_notes(r, raw, len(network.layers))
    compare = _parse_compare(r, raw.get("compare", []), training, len(network.layers))
    names = _parse_names(r, raw.get("names", {}), network, data)
    questions = parse_questions(r, raw, tuple(l.units for l in network.layers),
                                (network.inputs,) + tuple(l.units for l in network.layers[:-1]))
    goals, hints, locks = parse_goals(r, raw), parse_hints(r, raw), parse_locks(r, raw)
    config = Config(title, lesson, network, data, training, notes, questions=questions, goals=goals,
                    hints=hints, locks=locks, compare=compare, name=name,
                    path=str(source) if source else None, names=names)
    check_consistency(config)
    if "solution" in raw:
        config = dataclasses.replace(config, solution=_parse_solution(r, raw, source, name))
    return config


def _parse_solution(r: Reader, raw: dict, source, name: str) -> Solution:
    """``[solution]``: a text and the tables it changes; the solved preset is checked like any other."""
    table = r.table(raw["solution"], "solution", SOLUTION_KEYS)
    if "text" not in table:
        r.fail("solution.text", "missing; say what the solution changes and why")
    text = r.string(table["text"], "solution.text")
    changes = {k: v for k, v in table.items() if k != "text"}
    solved = {k: v for k, v in raw.items() if k != "solution"}
    for section, values in changes.items():
        r.table(values, f"solution.{section}", set(values))
        solved[section] = {**solved.get(section, {}), **values}
    try:
        config = parse_config(solved, source, name)
    except ConfigError as exc:
        raise ConfigError(source, f"solution.{exc.field}" if exc.field else "solution", exc.message) from None
    return Solution(text, config, json.dumps(changes, sort_keys=True))


def _parse_network(r: Reader, raw) -> NetworkConfig:
    r.table(raw, "network", NETWORK_KEYS)
    inputs, seed, init, bias_init, init_scale = (r.field(raw, FIELD[f"network.{k}"]) for k in
                                                 ("inputs", "seed", "init", "bias_init", "init_scale"))
    layers_raw = raw.get("layers")
    if not isinstance(layers_raw, list) or not layers_raw:
        r.fail("network.layers", "missing; expected one or more [[network.layers]] tables (units, activation)")
    if len(layers_raw) > MAX_HIDDEN_LAYERS + 1:
        r.fail("network.layers", f"expected at most {MAX_HIDDEN_LAYERS} hidden layers and the output layer, "
               f"got {len(layers_raw)} layers")
    layers = []
    fan_in = inputs
    for i, lr in enumerate(layers_raw):
        name = f"network.layers[{i}]"
        r.table(lr, name, LAYER_KEYS)
        if "units" not in lr:
            r.fail(f"{name}.units", "missing; expected a whole number of units")
        units, act, bias = (r.field(lr, LAYER_FIELD[k], name) for k in ("units", "activation", "bias"))
        if act == "softmax" and i != len(layers_raw) - 1:
            r.fail(f"{name}.activation", "softmax is only allowed on the output (last) layer")
        weights = biases = None
        if "weights" in lr:
            weights = r.matrix(lr["weights"], f"{name}.weights")
            shape = (len(weights), len(weights[0]))
            if shape != (units, fan_in):
                r.fail(f"{name}.weights", f"expected {units}×{fan_in} ([fan_out][fan_in]: {units} rows of "
                       f"{fan_in}), got {shape[0]}×{shape[1]}")
        if "biases" in lr:
            if not bias:
                r.fail(f"{name}.biases", "this layer has bias = false, so it cannot list biases")
            biases = r.vector(lr["biases"], f"{name}.biases")
            if len(biases) != units:
                r.fail(f"{name}.biases", f"expected {units} values (one per unit), got {len(biases)}")
        layers.append(LayerSpec(units, act, bias, weights, biases))
        fan_in = units
    return NetworkConfig(inputs, seed, init, bias_init, init_scale, tuple(layers))


def _parse_names(r: Reader, raw, network: NetworkConfig, data: DataConfig) -> tuple[tuple[str, str], ...]:
    """[names]: the lesson's names for quantities, keyed by their default names (see core.names)."""
    from tui_backprop.core.names import NAME_PATTERN, Names, outputs_are_classes

    if not isinstance(raw, dict):
        r.fail("names", f"expected a table like [names] with L = \"C\", got {_kind(raw)}")
    inputs = len(data.features) or network.inputs
    shape = Names(inputs, [(layer.units, layer.bias) for layer in network.layers], data.features,
                  classes=outputs_are_classes(network.layers[-1].activation))
    known = shape.defaults()
    out = []
    for key, value in raw.items():
        if key not in known:
            listed = ", ".join(known[:12]) + (" …" if len(known) > 12 else "")
            r.fail(f"names.{key}", f"unknown name; this network's names are {listed}")
        value = r.string(value, f"names.{key}")
        if not NAME_PATTERN.match(value):
            r.fail(f"names.{key}", f"expected a short name without spaces (1 to 10 characters), got {shown(value)}")
        out.append((key, value))
    return tuple(out)


def _parse_data(r: Reader, raw, source) -> DataConfig:
    r.table(raw, "data", DATA_KEYS)
    src = r.field(raw, FIELD["data.source"])
    samples = r.field(raw, FIELD["data.samples"])
    noise = r.field(raw, FIELD["data.noise"])
    test_fraction = r.field(raw, FIELD["data.test_fraction"], default=0.0 if src == "inline" else None)
    seed = r.field(raw, FIELD["data.seed"])
    x = y = path = None
    if src == "inline":
        for key in ("x", "y"):
            if key not in raw:
                r.fail(f"data.{key}", "missing; inline data needs x and y, like x = [[2.0]] and y = [[4.0]]")
        x = r.matrix(raw["x"], "data.x")
        y = r.matrix(raw["y"], "data.y")
        if len(x) != len(y):
            r.fail("data.y", f"expected {counted(len(x), 'row')} (one per row of data.x), got {len(y)}")
    else:
        for key in ("x", "y"):
            if key in raw:
                r.fail(f"data.{key}", "only inline data lists x and y; set data.source = \"inline\"")
    if src == "csv":
        if "path" not in raw:
            r.fail("data.path", "missing; csv data needs the path of a CSV file")
        path = r.string(raw["path"], "data.path")
        resolved = Path(path)
        if not resolved.is_absolute() and source:
            resolved = Path(source).parent / resolved
        if not resolved.is_file():
            r.fail("data.path", f"expected an existing CSV file, {str(resolved)!r} was not found")
        path = str(resolved)
    elif "path" in raw:
        r.fail("data.path", "only csv data has a path; set data.source = \"csv\"")
    target_columns, labels, classes = (r.field(raw, FIELD[f"data.{k}"]) for k in ("target_columns", "labels", "classes"))
    if classes != 2 and src != "spiral":
        r.fail("data.classes", f"only the spiral data set has more than two classes, not {src!r}")
    features: tuple[str, ...] = ()
    if "features" in raw:
        feats = raw["features"]
        if not isinstance(feats, list) or not feats:
            r.fail("data.features", f"expected a list of features from {', '.join(FEATURES)}")
        for i, f in enumerate(feats):
            r.choice(f, f"data.features[{i}]", tuple(FEATURES))
        if src not in GENERATED:
            r.fail("data.features", "feature transforms apply to the generated 2-D data sets only")
        features = tuple(feats)
    return DataConfig(src, samples, noise, test_fraction, seed, x, y, path, target_columns, labels, classes, features)


def _parse_training(r: Reader, raw, prefix: str, base: TrainingConfig | None = None,
                    layers: int = 1) -> TrainingConfig:
    r.table(raw, prefix, TRAINING_KEYS)
    d = base or TrainingConfig()

    def read(name: str, **kw):
        return r.field(raw, FIELD[f"training.{name}"], prefix, default=getattr(d, name), **kw)

    loss, optimizer, lr = read("loss"), read("optimizer"), read("learning_rate")
    bs = raw.get("batch_size", d.batch_size)
    if bs != "full":
        if isinstance(bs, str):
            r.fail(f"{prefix}.batch_size", f"expected a whole number or \"full\", got {shown(bs)}")
        bs = r.field(raw, FIELD["training.batch_size"], prefix, default=bs)
    reg, reg_rate = read("regularization"), read("regularization_rate")
    pause = r.choice(raw.get("pause_after", d.pause_after), f"{prefix}.pause_after",
                     PAUSE_POINTS + phase_names(layers)[len(PHASES):])
    settings = dict(d.optimizer_settings) if optimizer == d.optimizer else {}
    allowed = OPTIMIZER_SETTINGS[optimizer]
    for key in OPTIMIZER_SETTING_NAMES:
        if key in raw:
            if key not in allowed:
                what = ", ".join(allowed) if allowed else "no settings"
                r.fail(f"{prefix}.{key}", f"optimizer {optimizer!r} takes {what}")
            settings[key] = r.field(raw, FIELD[f"training.{key}"], prefix)
    stop_epochs = r.field(raw, FIELD["training.stop_after_epochs"], prefix, default=d.stop_after_epochs)
    stop_loss = r.field(raw, FIELD["training.stop_below_loss"], prefix, default=d.stop_below_loss)
    speed = raw.get("speed", d.speed)
    if speed == "full":
        speed = None
    elif speed is not None:
        if isinstance(speed, str):
            r.fail(f"{prefix}.speed", f"expected steps a second (a number) or \"full\", got {shown(speed)}")
        speed = r.field(raw, FIELD["training.speed"], prefix, default=speed)
    return TrainingConfig(loss, optimizer, lr, bs, reg, reg_rate, pause, tuple(sorted(settings.items())),
                          stop_epochs, stop_loss, speed)


def _parse_phase(r: Reader, value, name: str, layers: int) -> str:
    return r.choice(value, name, phase_names(layers))


def _parse_notes(r: Reader, raw: dict, layers: int) -> tuple[Note, ...]:
    """``[[notes]]`` (``[[checkpoints]]``, the old name, still reads)."""
    if "notes" in raw and "checkpoints" in raw:
        r.fail("checkpoints", "the old name of [[notes]]: write all notes as [[notes]]")
    key = "checkpoints" if "checkpoints" in raw else "notes"
    items = raw.get(key, [])
    if not isinstance(items, list):
        r.fail(key, f"expected [[{key}]] tables")
    out = []
    for i, note in enumerate(items):
        name = f"{key}[{i}]"
        r.table(note, name, NOTE_KEYS)
        if "step" not in note or "text" not in note:
            r.fail(name, "expected a step and a text")
        step = r.integer(note["step"], f"{name}.step", 1, MAX_STEPS)
        text = r.string(note["text"], f"{name}.text")
        phase = _parse_phase(r, note.get("phase", "update"), f"{name}.phase", layers)
        out.append(Note(step, text, phase))
    return tuple(sorted(out, key=lambda n: (n.step, phase_order(n.phase))))


def _parse_compare(r: Reader, raw, base: TrainingConfig, layers: int):
    if not isinstance(raw, list):
        r.fail("compare", "expected two [[compare]] tables")
    if raw and len(raw) != 2:
        r.fail("compare", f"expected exactly two [[compare]] tables, got {len(raw)}")
    out = []
    for i, item in enumerate(raw):
        name = f"compare[{i}]"
        r.table(item, name, COMPARE_KEYS)
        label = r.string(item.get("label", f"run {i + 1}"), f"{name}.label")
        training = _parse_training(r, item.get("training", {}), f"{name}.training", base, layers)
        out.append((label, training))
    return tuple(out)


def load_config(path: str | Path, name: str | None = None) -> Config:
    path = Path(path)
    name = name or path.stem
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(path, "", "file not found") from None
    except OSError as exc:
        raise ConfigError(path, "", f"cannot read the file ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise ConfigError(path, "", "expected a UTF-8 text file") from None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(path, "", f"not valid TOML ({exc})") from None
    return parse_config(raw, path, name)
