"""Cross-field checks of a configuration: shapes that must fit the data, losses that must pair with the output.

``config.py`` reads one field at a time; these checks need the whole ``Config`` (and the session calls
them again once a CSV's width is known). Each problem is one ``ConfigError`` naming the file and the field.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tui_backprop.config_reader import Reader
from tui_backprop.core.datasets import GENERATED
from tui_backprop.core.losses import LOSSES

if TYPE_CHECKING:  # config.py imports this module
    from tui_backprop.config import Config


def data_input_width(config: Config) -> int | None:
    data = config.data
    if data.features:
        return len(data.features)
    if data.source in GENERATED:
        return 2
    if data.source == "inline":
        return len(data.x[0])
    if data.source == "digits":
        return 64  # 8×8 pixels
    return None  # csv: known once the file is read


def data_output_width(config: Config) -> int | None:
    data = config.data
    if data.source in GENERATED:
        return data.classes if data.classes > 2 else 1
    if data.source == "inline":
        return len(data.y[0])
    if data.source == "digits":
        return 10  # one output per digit
    return data.target_columns


def check_consistency(config: Config, input_width: int | None = None) -> None:
    """Cross-field checks: shapes that must fit, losses that must pair."""
    r = Reader(config.path)
    net, train = config.network, config.training
    width = input_width if input_width is not None else data_input_width(config)
    if width is not None and width != net.inputs:
        r.fail("network.inputs", f"expected {width} (the data has {width} input column(s)), got {net.inputs}")
    first = net.layers[0]
    if first.weights is not None and len(first.weights[0]) != net.inputs:
        r.fail("network.layers[0].weights", f"expected rows of {net.inputs} (network.inputs), got {len(first.weights[0])}")
    outputs = data_output_width(config)
    last = len(net.layers) - 1
    if outputs is not None and net.layers[-1].units != outputs:
        r.fail(f"network.layers[{last}].units", f"expected {outputs} (the data has {outputs} target column(s)), "
               f"got {net.layers[-1].units}")
    trainings = [("training", train)] + [(f"compare[{i}].training", t) for i, (_, t) in enumerate(config.compare)]
    for prefix, t in trainings:
        problem = LOSSES[t.loss].check_pairing(net.layers[-1].activation)
        if problem:
            r.fail(f"{prefix}.loss", problem)
    if config.data.labels == "plus_minus_one" and train.loss in ("bce", "cross_entropy"):
        r.fail("data.labels", f"labels \"plus_minus_one\" (targets −1 and +1) need a tanh or linear output with "
               f"loss mse or half_mse; loss {train.loss!r} needs \"zero_one\"")
    if train.loss == "cross_entropy" and net.layers[-1].units < 2:
        r.fail(f"network.layers[{last}].units", "softmax with cross_entropy needs at least 2 output units")
