"""A Config written back as the tables its preset TOML parses to (saved sessions, the form).

``parse_config(config_to_dict(c)) == c``; every plain field is written from the schema's table.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import TYPE_CHECKING

from tui_backprop.lessons import Locks, Question
from tui_backprop.schema import FIELDS

if TYPE_CHECKING:
    from tui_backprop.config import Config, TrainingConfig


def _section_to_dict(obj, section: str) -> dict:
    out = {}
    for f in FIELDS:
        if f.section == section and hasattr(obj, f.name):
            value = getattr(obj, f.name)
            if value is not None:
                out[f.name] = float(value) if f.kind == "number" else value
    return out


def _training_to_dict(t: TrainingConfig) -> dict:
    out = _section_to_dict(t, "training")
    out.update((key, float(value)) for key, value in t.optimizer_settings)
    return out


def config_to_dict(config: Config) -> dict:
    """The config as the table its preset TOML parses to; ``parse_config`` reads it back equal."""
    net, data = config.network, config.data
    layers = []
    for spec in net.layers:
        layer = {"units": spec.units, "activation": spec.activation, "bias": spec.bias}
        if spec.weights is not None:
            layer["weights"] = [[float(v) for v in row] for row in spec.weights]
        if spec.biases is not None:
            layer["biases"] = [float(v) for v in spec.biases]
        layers.append(layer)
    d = _section_to_dict(data, "data")
    if data.x is not None:
        d["x"] = [[float(v) for v in row] for row in data.x]
    if data.y is not None:
        d["y"] = [[float(v) for v in row] for row in data.y]
    if data.path is not None:
        d["path"] = str(Path(data.path).resolve())
    if data.features:
        d["features"] = list(data.features)
    out: dict = {
        "title": config.title,
        "lesson": config.lesson,
        "network": {**_section_to_dict(net, "network"), "layers": layers},
        "data": d,
        "training": _training_to_dict(config.training),
    }
    if config.notes:
        out["notes"] = [{"step": n.step, "phase": n.phase, "text": n.text} for n in config.notes]
    if config.compare:
        out["compare"] = [{"label": label, "training": _training_to_dict(t)} for label, t in config.compare]
    if config.names:
        out["names"] = dict(config.names)
    out.update(lesson_parts_to_dict(config))
    return out


def lesson_parts_to_dict(config: Config) -> dict:
    """Questions, goals, hints, solution and locks, as their TOML tables."""
    out: dict = {}
    if config.questions:
        out["questions"] = [_question_dict(q) for q in config.questions]
    if config.goals:
        out["goals"] = [{k: v for k, v in dataclasses.asdict(g).items() if v is not None} for g in config.goals]
    if config.hints:
        out["hints"] = list(config.hints)
    if config.solution is not None:
        out["solution"] = {"text": config.solution.text, **json.loads(config.solution.changes)}
    if config.locks != Locks():
        out["locks"] = {"locked": list(config.locks.locked), "hidden": list(config.locks.hidden),
                        "why": config.locks.why}
    return out


def _question_dict(q: Question) -> dict:
    d = {"step": q.step, "phase": q.phase, "prompt": q.prompt, "answer": q.answer, "explanation": q.explanation,
         "layer": q.layer, "neuron": q.neuron, "weight": q.weight, "hide": list(q.hide)}
    if q.choices:
        d["choices"] = list(q.choices)
    else:
        d["tolerance"] = q.tolerance
    if q.value is not None:
        d["value"] = q.value
    return d
