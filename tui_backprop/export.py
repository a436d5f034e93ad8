"""Exports for use outside the app: loss history (CSV), network (JSON), PyTorch script.

Each ``*_text`` function returns the file's content; each ``export_*``
function writes it atomically (a crash never leaves half a file).

* CSV: one row per recorded step. ``train_loss`` is the batch loss of that
  step (before its update); ``epoch_train_loss``, ``test_loss`` and
  ``accuracy`` are filled on the rows that end an epoch and empty elsewhere.
  Numbers are written with ``repr`` so they read back exactly. Very long runs
  keep a compacted history (old points are averaged in pairs), so old step
  numbers can be fractional there.
* JSON: ``layers`` has the same shape as ``tui-backprop train --json``: per
  layer ``activation``, ``weights`` as ``[fan_out][fan_in]`` and ``biases``
  (or null), plus a few fields naming the network and the step.
* PyTorch: a self-contained script building the same network with
  ``torch.nn.Linear`` layers in float64, with the exact weights, the same
  training and test data and the same loss; running it prints the losses,
  which match this session's to rounding (~1e-15).
"""

from __future__ import annotations

import io
import json
import math
from pathlib import Path

import numpy as np

from tui_backprop import __version__
from tui_backprop.persist import write_text_atomic

# ------------------------------------------------------------------ CSV
CSV_COLUMNS = ("step", "train_loss", "epoch_train_loss", "test_loss", "accuracy")


def _num(value: float) -> str:
    value = float(value)
    if value.is_integer() and abs(value) < 2**53:
        return str(int(value))
    return repr(value)


def history_csv_text(session) -> str:
    history = session.history
    rows: dict[float, dict[str, float]] = {}
    for column, series in (("train_loss", history.train), ("epoch_train_loss", history.train_full),
                           ("test_loss", history.test), ("accuracy", history.accuracy)):
        xs, ys = series.arrays()
        for x, y in zip(xs.tolist(), ys.tolist()):
            rows.setdefault(x, {})[column] = y
    out = io.StringIO()
    out.write(",".join(CSV_COLUMNS) + "\n")
    for step in sorted(rows):
        row = rows[step]
        cells = [_num(step)] + [repr(float(row[c])) if c in row else "" for c in CSV_COLUMNS[1:]]
        out.write(",".join(cells) + "\n")
    return out.getvalue()


def export_history_csv(session, path: str | Path) -> Path:
    return write_text_atomic(path, history_csv_text(session))


# ----------------------------------------------------------------- JSON
def _finite_or_none(value):
    value = float(value)
    return value if math.isfinite(value) else None


def _matrix(arr: np.ndarray) -> list:
    return [[_finite_or_none(v) for v in row] for row in arr.tolist()] if arr.ndim == 2 else \
        [_finite_or_none(v) for v in arr.tolist()]


def network_dict(session) -> dict:
    net = session.network
    return {
        "format": "tui-backprop-network",
        "version": 1,
        "preset": session.config.name,
        "title": session.config.title,
        "step": int(session.step_count),
        "epoch": int(session.epoch),
        "inputs": net.inputs,
        # what each input is, when the preset computes features from the data's columns (null: the columns)
        "features": list(session.config.data.features) or None,
        "loss": net.loss.name,
        "layers": [
            {
                "activation": layer.activation.name,
                "weights": _matrix(layer.weights),
                "biases": None if layer.biases is None else _matrix(layer.biases),
            }
            for layer in net.layers
        ],
    }


def network_json_text(session) -> str:
    return json.dumps(network_dict(session), indent=1, allow_nan=False) + "\n"


def export_network_json(session, path: str | Path) -> Path:
    return write_text_atomic(path, network_json_text(session))


# -------------------------------------------------------------- PyTorch
TORCH_ACTIVATIONS = {
    "linear": "nn.Identity()",
    "sigmoid": "nn.Sigmoid()",
    "tanh": "nn.Tanh()",
    "relu": "nn.ReLU()",
    "leaky_relu": "nn.LeakyReLU(0.01)",
    "softmax": "nn.Softmax(dim=1)",
}

TORCH_LOSSES = {
    "mse": ('''def loss_fn(model, x, target):
    """mse: mean over outputs and samples of (output - target)^2 (same as nn.MSELoss())."""
    return torch.mean((model(x) - target) ** 2)
'''),
    "half_mse": ('''def loss_fn(model, x, target):
    """half_mse: half of the mean over outputs and samples of (output - target)^2 (0.5 * nn.MSELoss())."""
    return 0.5 * torch.mean((model(x) - target) ** 2)
'''),
    "bce": ('''def loss_fn(model, x, target):
    """bce computed from the sigmoid's input z (exact where the sigmoid saturates), as in tui-backprop."""
    return nn.functional.binary_cross_entropy_with_logits(model.logits(x), target)
'''),
    "cross_entropy": ('''def loss_fn(model, x, target):
    """cross_entropy: mean over samples of -sum(target * log_softmax(z)), z the softmax's input.

    The same number as nn.CrossEntropyLoss on z; the network keeps its softmax layer for predictions.
    """
    return -(target * torch.log_softmax(model.logits(x), dim=1)).sum(dim=1).mean()
'''),
}


def _literal(arr: np.ndarray, indent: str = "    ") -> str:
    """A Python list literal holding the exact float64 values (repr round-trips)."""
    arr = np.asarray(arr, dtype=np.float64)
    if arr.ndim == 1:
        return "[" + ", ".join(repr(float(v)) for v in arr.tolist()) + "]"
    if len(arr) == 0:
        return "[]"
    rows = [indent + "    [" + ", ".join(repr(float(v)) for v in row) + "]," for row in arr.tolist()]
    return "[\n" + "\n".join(rows) + "\n" + indent + "]"


def _optimizer_code(training) -> tuple[str, str]:
    """(constructor code, l1 penalty line) for torch.optim matching our optimizer."""
    name = training.optimizer
    lr = repr(float(training.learning_rate))
    settings = dict(training.optimizer_settings)
    from tui_backprop.core.optimizers import OPTIMIZERS

    settings = {**OPTIMIZERS[name].defaults, **settings}
    decay = repr(float(training.regularization_rate)) if training.regularization == "l2" else "0.0"
    groups = (f"[{{\"params\": weights, \"weight_decay\": {decay}}}, "
              f"{{\"params\": biases, \"weight_decay\": 0.0}}]")
    if name == "sgd":
        ctor = f"torch.optim.SGD({groups}, lr={lr})"
    elif name == "momentum":
        ctor = f"torch.optim.SGD({groups}, lr={lr}, momentum={settings['momentum']!r})"
    elif name == "rmsprop":
        ctor = f"torch.optim.RMSprop({groups}, lr={lr}, alpha={settings['alpha']!r}, eps={settings['epsilon']!r})"
    elif name == "adagrad":
        ctor = f"torch.optim.Adagrad({groups}, lr={lr}, eps={settings['epsilon']!r})"
    else:
        ctor = (f"torch.optim.Adam({groups}, lr={lr}, betas=({settings['beta1']!r}, {settings['beta2']!r}), "
                f"eps={settings['epsilon']!r})")
    l1 = ""
    if training.regularization == "l1" and training.regularization_rate:
        l1 = (f"        loss = loss + {float(training.regularization_rate)!r} * "
              f"sum(w.abs().sum() for w in weights)  # l1 on weights only\n")
    return ctor, l1


_TORCH_STATE_NAMES = {  # our state arrays → torch.optim's per-parameter state
    "velocity": "momentum_buffer", "square_avg": "square_avg", "sum_squares": "sum",
    "first_moment": "exp_avg", "second_moment": "exp_avg_sq",
}


def _optimizer_state_code(session, state: dict) -> str:
    """The optimizer's state per nn.Linear parameter, and the batch order, as literals."""
    net = session.network
    opt = state["optimizer"]
    per_param: dict[str, dict[str, np.ndarray]] = {}
    offset = 0
    for i, layer in enumerate(net.layers):
        size = layer.param_block.size
        for ours, arr in opt["state"].items():
            block = arr[offset: offset + size].reshape(layer.param_block.shape)
            per_param.setdefault(f"layer{i + 1}.weight", {})[_TORCH_STATE_NAMES[ours]] = block[:, : layer.fan_in]
            if layer.has_bias:
                per_param.setdefault(f"layer{i + 1}.bias", {})[_TORCH_STATE_NAMES[ours]] = block[:, layer.fan_in]
        offset += size
    lines = ["\n\n# ------------------------------- the optimizer state and the batch order\n",
             f"OPTIMIZER_STEPS = {int(opt['steps'])}\n",
             "OPTIMIZER_STATE = {\n"]
    for name, entries in per_param.items():
        lines.append(f"    {name!r}: {{\n")
        for key, arr in entries.items():
            lines.append(f"        {key!r}: {_literal(arr, '        ')},\n")
        lines.append("    },\n")
    lines.append("}\n")
    lines.append(f"SHUFFLE_STATE = {state['shuffle_rng']!r}\n")
    lines.append(f"ORDER = {[int(i) for i in state['order']]!r}\n")
    lines.append(f"BATCH_IN_EPOCH = {int(state['batch_in_epoch'])}\n")
    lines.append(f"IN_STEP = {bool(state['phases_done'])}  # the batch of the step in progress is already drawn\n")
    lines.append('''

def load_optimizer_state(model, optimizer):
    """Momentum, running averages and step count, as tui-backprop had them."""
    if not OPTIMIZER_STEPS:
        return
    params = dict(model.named_parameters())
    for name, entries in OPTIMIZER_STATE.items():
        state = {key: torch.tensor(value) for key, value in entries.items()}
        if "momentum_buffer" not in state:
            state["step"] = torch.tensor(float(OPTIMIZER_STEPS))
        optimizer.state[params[name]] = state
''')
    return "".join(lines)


def _docstring_safe(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"""', '\\"\\"\\"')


def pytorch_script_text(session) -> str:
    net, data, config = session.network, session.data, session.config
    training = config.training
    names = [f"layer{i + 1}" for i in range(len(net.layers))]
    out = io.StringIO()
    w = out.write
    w(f'''"""{_docstring_safe(config.title)}: the network from tui-backprop, rebuilt in PyTorch.

Exported by tui-backprop {__version__} from preset {config.name!r} after {session.step_count} steps
({session.epoch} epochs). Network: {net.describe()}, loss {net.loss.name!r}, float64 throughout.

Run it:  python this_script.py              prints the training and test loss
         python this_script.py --train 1000   then keeps training with torch.optim

Weights are stored [fan_out][fan_in], exactly like nn.Linear.weight, so they copy over as they are.
--train goes on exactly as tui-backprop would: the optimizer's state (momentum, RMSprop/Adagrad
sums, Adam's moments and step count) is carried over, and mini-batches follow the same order
(NumPy's PCG64 shuffle from the same state), so K more steps here equal K more steps there.
"""

import argparse

import torch
from torch import nn

torch.set_default_dtype(torch.float64)

# ---------------------------------------------------------------- the data
# Network inputs (after any feature transforms) and targets, one sample per row.
''')
    w(f"X_TRAIN = {_literal(data.x_train, '')}\n")
    w(f"Y_TRAIN = {_literal(data.y_train, '')}\n")
    w(f"X_TEST = {_literal(data.x_test, '')}\n" if len(data.x_test) else "X_TEST = []\n")
    w(f"Y_TEST = {_literal(data.y_test, '')}\n" if len(data.y_test) else "Y_TEST = []\n")
    w("\n# ------------------------------------------------------ the trained weights\n")
    for name, layer in zip(names, net.layers):
        w(f"{name.upper()}_WEIGHTS = {_literal(layer.weights, '')}  # [{layer.units}][{layer.fan_in}]\n")
        if layer.biases is not None:
            w(f"{name.upper()}_BIASES = {_literal(layer.biases, '')}\n")
    w("\n\nclass Network(nn.Module):\n")
    w(f'    """{net.describe()}: ' + " -> ".join(
        f"{n} ({layer.fan_in}->{layer.units}, {layer.activation.name})" for n, layer in zip(names, net.layers))
      + '."""\n\n')
    w("    def __init__(self):\n        super().__init__()\n")
    for name, layer in zip(names, net.layers):
        bias = "" if layer.has_bias else ", bias=False"
        w(f"        self.{name} = nn.Linear({layer.fan_in}, {layer.units}{bias})\n")
        w(f"        self.{name}_activation = {TORCH_ACTIVATIONS[layer.activation.name]}\n")
    w('\n    def logits(self, x):\n        """z of the output layer (the input of its activation)."""\n')
    for name in names[:-1]:
        w(f"        x = self.{name}_activation(self.{name}(x))\n")
    w(f"        return self.{names[-1]}(x)\n")
    w(f"\n    def forward(self, x):\n        return self.{names[-1]}_activation(self.logits(x))\n\n\n")
    w("def build_network():\n    model = Network()\n    with torch.no_grad():\n")
    for name, layer in zip(names, net.layers):
        w(f"        model.{name}.weight.copy_(torch.tensor({name.upper()}_WEIGHTS))\n")
        if layer.biases is not None:
            w(f"        model.{name}.bias.copy_(torch.tensor({name.upper()}_BIASES))\n")
    w("    return model\n\n\n")
    w(TORCH_LOSSES[net.loss.name])
    ctor, l1 = _optimizer_code(training)
    batch = session.batch_size
    state = session.state_dict()
    w(_optimizer_state_code(session, state))
    shrink = ""
    if training.regularization == "playground_l1" and training.regularization_rate:
        shrink = (f"        with torch.no_grad():  # TensorFlow Playground's L1: shrink toward 0, stop at 0\n"
                  f"            for w in weights:\n"
                  f"                w.copy_(torch.sign(w) * torch.clamp(w.abs() - "
                  f"{float(training.learning_rate) * float(training.regularization_rate)!r}, min=0.0))\n")
    w(f'''

def evaluate(model, x, y):
    with torch.no_grad():
        return loss_fn(model, x, y).item()


def train(model, x, y, steps, batch_size={batch}):
    """Continue training like tui-backprop: {training.optimizer}, learning rate {training.learning_rate!r}."""
    import numpy as np  # the batch order: the same NumPy shuffles as tui-backprop

    weights = [p for n, p in model.named_parameters() if n.endswith("weight")]
    biases = [p for n, p in model.named_parameters() if n.endswith("bias")]
    optimizer = {ctor}
    load_optimizer_state(model, optimizer)
    rng = np.random.Generator(np.random.PCG64())
    rng.bit_generator.state = SHUFFLE_STATE
    order, position, drawn = np.array(ORDER, dtype=np.int64), BATCH_IN_EPOCH, IN_STEP
    full = batch_size >= len(x)
    steps_per_epoch = -(-len(x) // batch_size)
    for step in range(steps):
        if position == 0 and not full and not drawn:
            rng.shuffle(order)  # a new epoch, a new order
        drawn = False
        index = torch.as_tensor(order[position * batch_size:(position + 1) * batch_size])
        position = (position + 1) % steps_per_epoch
        optimizer.zero_grad()
        loss = loss_fn(model, x[index], y[index])
{l1}        loss.backward()
        optimizer.step()
{shrink}    return model


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", type=int, default=0, metavar="STEPS", help="keep training this many steps")
    args = parser.parse_args()
    model = build_network()
    print(model)
    x_train, y_train = torch.tensor(X_TRAIN), torch.tensor(Y_TRAIN)
    print(f"train_loss {{evaluate(model, x_train, y_train)!r}}")
    if X_TEST:
        x_test, y_test = torch.tensor(X_TEST), torch.tensor(Y_TEST)
        print(f"test_loss {{evaluate(model, x_test, y_test)!r}}")
    if args.train:
        train(model, x_train, y_train, args.train)
        print(f"after {{args.train}} more steps: train_loss {{evaluate(model, x_train, y_train)!r}}")
        if X_TEST:
            print(f"after {{args.train}} more steps: test_loss {{evaluate(model, x_test, y_test)!r}}")


if __name__ == "__main__":
    main()
''')
    return out.getvalue()


def export_pytorch(session, path: str | Path) -> Path:
    return write_text_atomic(path, pytorch_script_text(session))
