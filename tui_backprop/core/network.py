"""A multilayer perceptron with the chain rule spelled out.

Conventions (docs/architecture.md): weights are ``[fan_out][fan_in]`` so ``z = W a + b``;
float64 throughout; a batch is stored one sample per row, so in code
``z = a_prev @ W.T + b``.

For speed, all parameters live in one flat buffer (``params``) and all
gradients in another (``grads``). Each layer's bias is folded in as the last
column of an "augmented" weight matrix, and the layer input carries a matching
column of ones, so one matmul yields ``z`` and one yields both ``grad_weights``
and ``grad_biases``. ``Layer.weights`` / ``Layer.biases`` are views into
``params``, never copies, so what the learner reads is what the step uses.
The step's buffers for each batch size are a ``Workspace`` (core/workspace.py).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from tui_backprop.core.activations import Activation, get_activation
from tui_backprop.core.losses import Loss, get_loss
from tui_backprop.core.workspace import Workspace

INITS = ("xavier", "he", "uniform", "normal")


def all_finite(array: np.ndarray) -> bool:
    """True if no element is NaN or ±inf; allocates nothing in the common case.

    A finite sum proves every element finite (one NaN or inf anywhere makes the
    sum NaN or inf); only a non-finite sum, which may be an overflow of finite
    values, needs the element-wise check. A flat array is summed as its dot
    product with itself (a sum of squares: no inf − inf to cancel), which BLAS
    does in a third of the time of ``np.add.reduce``.
    """
    total = array.dot(array) if array.ndim == 1 else np.add.reduce(array, axis=None)
    if math.isfinite(total):
        return True
    return bool(np.isfinite(array).all())


@dataclass(frozen=True)
class LayerSpec:
    units: int
    activation: str = "tanh"
    bias: bool = True
    weights: tuple[tuple[float, ...], ...] | None = None
    biases: tuple[float, ...] | None = None


class Layer:
    """One dense layer: its parameters and their gradients, as views."""

    def __init__(self, index: int, fan_in: int, spec: LayerSpec, params: np.ndarray, grads: np.ndarray):
        self.index = index
        self.fan_in = fan_in
        self.units = spec.units
        self.spec = spec
        self.activation: Activation = get_activation(spec.activation)
        self.has_bias = spec.bias
        cols = fan_in + (1 if spec.bias else 0)
        self.param_block = params.reshape(spec.units, cols)
        self.grad_block = grads.reshape(spec.units, cols)
        self.weights = self.param_block[:, :fan_in]
        self.grad_weights = self.grad_block[:, :fan_in]
        self.biases = self.param_block[:, fan_in] if spec.bias else None
        self.grad_biases = self.grad_block[:, fan_in] if spec.bias else None

    @property
    def shape(self) -> tuple[int, int]:
        return (self.units, self.fan_in)


@dataclass(frozen=True)
class ForwardLayer:
    """What one layer computed in the forward pass (one row per sample)."""

    inputs: np.ndarray  # a_prev, [batch, fan_in]
    z: np.ndarray  # [batch, units]
    a: np.ndarray  # f(z), [batch, units]


@dataclass(frozen=True)
class BackwardLayer:
    """What the backward pass found for one layer.

    ``grad_a`` is d(loss_i)/da per sample, ``delta`` is d(loss_i)/dz per
    sample; ``grad_weights``/``grad_biases`` are the batch means the optimizer
    uses (dL/dW = mean_i delta_i a_prev_iᵀ).
    """

    grad_a: np.ndarray
    delta: np.ndarray
    grad_weights: np.ndarray
    grad_biases: np.ndarray | None


class Network:
    """A stack of dense layers, a loss, and the buffers for one training step."""

    def __init__(
        self,
        inputs: int,
        layers: list[LayerSpec],
        loss: str = "mse",
        init: str = "xavier",
        seed: int = 0,
        bias_init: float = 0.0,
        init_scale: float = 1.0,
    ):
        if not layers:
            raise ValueError("a network needs at least one layer")
        self.inputs = inputs
        self.specs = list(layers)
        self.loss: Loss = get_loss(loss)
        problem = self.loss.check_pairing(layers[-1].activation)
        if problem:
            raise ValueError(problem)
        for spec in layers[:-1]:
            if spec.activation == "softmax":
                raise ValueError("softmax is only allowed on the output layer")
        sizes = []
        fan_in = inputs
        for spec in layers:
            sizes.append(spec.units * (fan_in + (1 if spec.bias else 0)))
            fan_in = spec.units
        self.params = np.zeros(sum(sizes))
        self.grads = np.zeros(sum(sizes))
        # 1 where a parameter is a weight, 0 where it is a bias: regularization skips biases.
        self.weight_mask = np.ones(sum(sizes))
        self.layers: list[Layer] = []
        offset = 0
        fan_in = inputs
        for i, (spec, size) in enumerate(zip(layers, sizes)):
            layer = Layer(i, fan_in, spec, self.params[offset : offset + size], self.grads[offset : offset + size])
            if spec.bias:
                self.weight_mask[offset : offset + size].reshape(layer.param_block.shape)[:, fan_in] = 0.0
            self.layers.append(layer)
            offset += size
            fan_in = spec.units
        self.outputs = fan_in
        self.init = init
        self.seed = seed
        self.bias_init = bias_init
        self.init_scale = init_scale
        self._workspaces: dict[int, Workspace] = {}
        self._ws: Workspace | None = None
        self.loss_value: float | None = None
        self.initialize(init, seed, bias_init, init_scale)

    # ----------------------------------------------------------------- set-up
    def initialize(self, init: str, seed: int, bias_init: float = 0.0, init_scale: float = 1.0) -> None:
        if init not in INITS:
            raise ValueError(f"unknown init {init!r}; expected one of {', '.join(INITS)}")
        rng = np.random.default_rng([seed, 1])
        for layer in self.layers:
            fan_in, fan_out = layer.fan_in, layer.units
            if init == "xavier":
                limit = math.sqrt(6.0 / (fan_in + fan_out))
                w = rng.uniform(-limit, limit, size=(fan_out, fan_in))
            elif init == "he":
                w = rng.normal(0.0, math.sqrt(2.0 / fan_in), size=(fan_out, fan_in))
            elif init == "uniform":
                w = rng.uniform(-0.5, 0.5, size=(fan_out, fan_in))
            else:
                w = rng.normal(0.0, 1.0, size=(fan_out, fan_in))
            layer.weights[...] = w * init_scale
            if layer.biases is not None:
                layer.biases[...] = bias_init
            spec = layer.spec
            if spec.weights is not None:
                explicit = np.asarray(spec.weights, dtype=np.float64)
                if explicit.shape != layer.shape:
                    raise ValueError(
                        f"layer {layer.index + 1} weights must be {layer.units}×{layer.fan_in} "
                        f"([fan_out][fan_in]), got {'×'.join(map(str, explicit.shape))}"
                    )
                layer.weights[...] = explicit
            if spec.biases is not None:
                if layer.biases is None:
                    raise ValueError(f"layer {layer.index + 1} has bias = false but lists biases")
                explicit = np.asarray(spec.biases, dtype=np.float64)
                if explicit.shape != (layer.units,):
                    raise ValueError(f"layer {layer.index + 1} biases must have {layer.units} values, got {explicit.size}")
                layer.biases[...] = explicit
        self.grads.fill(0.0)
        self._ws = None
        self.loss_value = None

    def workspace(self, batch: int) -> Workspace:
        ws = self._workspaces.get(batch)
        if ws is None:
            ws = self._workspaces[batch] = Workspace(self, batch)
        return ws

    # ---------------------------------------------------------------- the step
    def forward(self, x: np.ndarray, x_has_ones: bool = False) -> np.ndarray:
        """Forward pass on a batch; keeps z and a of every layer.

        ``x_has_ones``: x already carries the trailing column of ones (the
        session's datasets do), so it is used in place without a copy.
        """
        ws = self._take_input(x, x_has_ones)
        for inp, weights_t, z, a, activate, a_into_next, product in ws.forward_plan:
            product(inp, weights_t, out=z)
            activate(z, a)
            if a_into_next is not None:
                np.copyto(a_into_next, a)
        return ws.a[-1]

    def _take_input(self, x: np.ndarray, x_has_ones: bool) -> Workspace:
        batch = x.shape[0]
        ws = self._workspaces.get(batch)
        if ws is None:
            ws = self.workspace(batch)
        if x_has_ones:
            if ws.inputs_aug[0] is not x:
                ws.bind_inputs(self, x)
        else:
            if ws.inputs_aug[0] is not ws.own_first:
                ws.bind_inputs(self, ws.own_first)
            np.copyto(ws.x_part, x)
        self._ws = ws
        return ws

    # One layer at a time: the same computations as ``forward`` / ``backward``
    # on the same buffers, so stepping layer by layer gives bit-identical numbers.
    def forward_layer(self, index: int, x: np.ndarray | None = None, x_has_ones: bool = False) -> np.ndarray:
        """Layer ``index``'s z and a from the layer below's a; layer 0 takes the batch ``x``."""
        ws = self._take_input(x, x_has_ones) if index == 0 else self._require_forward()
        inp, weights_t, z, a, activate, a_into_next, product = ws.forward_plan[index]
        product(inp, weights_t, out=z)
        activate(z, a)
        if a_into_next is not None:
            np.copyto(a_into_next, a)
        return a

    def loss_gradient(self, y: np.ndarray) -> np.ndarray:
        """dL/dŷ per sample, into the output layer's ``grad_a``."""
        ws = self._require_forward()
        last = len(self.layers) - 1
        return self.loss.grad_output(ws.a[last], y, out=ws.grad_a[last], scratch=ws.loss_scratch)

    def backward_layer(self, index: int, y: np.ndarray) -> None:
        """Layer ``index``'s dL/da, delta and (batch-mean) gradients; the layer above's must be done,
        and for the output layer ``loss_gradient``."""
        ws = self._require_forward()
        layer = self.layers[index]
        if index == len(self.layers) - 1:
            self._output_delta(ws, y)
        else:
            ws.grad_a_product[index + 1](ws.delta[index + 1], self.layers[index + 1].weights, out=ws.grad_a[index])
            layer.activation.backward(ws.z[index], ws.a[index], ws.grad_a[index], ws.delta[index], ws.scratch[index])
        ws.grad_product[index](ws.delta[index].T, ws.layer_inputs[index], out=layer.grad_block)
        np.multiply(layer.grad_block, 1.0 / ws.batch, out=layer.grad_block)

    def compute_loss(self, y: np.ndarray) -> float:
        ws = self._require_forward()
        self.loss_value = self.loss.value(ws.a[-1], y, ws.loss_scratch, ws.loss_scratch2, z=ws.z[-1])
        return self.loss_value

    def backward(self, y: np.ndarray) -> None:
        """Fill ``grads`` (batch-averaged) and every layer's delta and dL/da.

        The same equations as ``reference.backward``, one per line, in buffers.
        """
        ws = self._require_forward()
        last = len(self.layers) - 1
        for activation, z, a, derivative in ws.derivative_plan:  # f'(z) of every layer of this activation
            activation.derivative(z, a, out=derivative)
        self.loss.grad_output(ws.a[last], y, out=ws.grad_a[last], scratch=ws.loss_scratch)  # dL/da of the output
        if self.loss.fused_delta(self.layers[last].activation.name, ws.a[last], y, ws.delta[last]) is None:
            to_delta, args = ws.to_delta[last]
            to_delta(*args)  # delta = f'(z) ⊙ dL/da (bce/ce: delta = a − y)
        for delta, inp, grad_block, product, below in ws.backward_plan:
            product(delta.T, inp, out=grad_block)  # dL/dW = Σ delta a_prevᵀ (and dL/db = Σ delta: the ones column)
            if below is not None:
                weights, grad_a, product, to_delta, args = below
                product(delta, weights, out=grad_a)  # dL/da_prev = Wᵀ delta
                to_delta(*args)  # delta_prev = f'(z_prev) ⊙ dL/da_prev
        grads = self.grads
        np.multiply(grads, 1.0 / ws.batch, out=grads)  # the sums above ÷ batch: dL/dW = mean(delta a_prevᵀ)

    def _output_delta(self, ws: Workspace, y: np.ndarray) -> None:
        """The output layer's delta from dL/dŷ (or straight from ŷ − y where the pair simplifies)."""
        last = len(self.layers) - 1
        out_layer = self.layers[last]
        if self.loss.fused_delta(out_layer.activation.name, ws.a[last], y, ws.delta[last]) is None:  # bce/ce: a − y
            out_layer.activation.backward(ws.z[last], ws.a[last], ws.grad_a[last], ws.delta[last], ws.scratch[last])  # f'(z) ⊙ dL/da

    def _require_forward(self) -> Workspace:
        if self._ws is None:
            raise RuntimeError("run the forward pass first")
        return self._ws

    # ------------------------------------------------------- learner's views
    def forward_data(self) -> list[ForwardLayer]:
        ws = self._require_forward()
        inputs = [ws.inputs_aug[0][:, : self.inputs]] + [a for a in ws.a[:-1]]
        return [ForwardLayer(inp, z, a) for inp, z, a in zip(inputs, ws.z, ws.a)]

    def backward_data(self) -> list[BackwardLayer]:
        ws = self._require_forward()
        return [
            BackwardLayer(ws.grad_a[i], ws.delta[i], layer.grad_weights, layer.grad_biases)
            for i, layer in enumerate(self.layers)
        ]

    @property
    def batch_inputs(self) -> np.ndarray:
        ws = self._require_forward()
        return ws.inputs_aug[0][:, : self.inputs]

    # ---------------------------------------------------- evaluation helpers
    def predict(self, x: np.ndarray) -> np.ndarray:
        """Output for any inputs; touches none of the step's buffers."""
        a = np.asarray(x, dtype=np.float64)
        for layer in self.layers:
            z = a @ layer.weights.T
            if layer.biases is not None:
                z += layer.biases
            a = layer.activation.forward(z)
        return a

    def layer_outputs(self, x: np.ndarray) -> list[np.ndarray]:
        """Each layer's activations for any inputs (for neuron pictures)."""
        a = np.asarray(x, dtype=np.float64)
        outs = []
        for layer in self.layers:
            z = a @ layer.weights.T
            if layer.biases is not None:
                z += layer.biases
            a = layer.activation.forward(z)
            outs.append(a)
        return outs

    def evaluate(self, x: np.ndarray, y: np.ndarray) -> float:
        return self.evaluate_output(x, y)[0]

    def evaluate_output(self, x: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray | None]:
        """The loss on (x, y) and the output it came from: the same numbers as ``predict(x)``, so the
        end-of-epoch accuracy needs no second forward pass."""
        if len(x) == 0:
            return float("nan"), None
        z, a = self._output_of(x)
        return self.loss.value(a, y, z=z), a  # bce/cross_entropy read z: exact at saturation

    def evaluate_split(self, x: np.ndarray, y_first: np.ndarray, y_rest: np.ndarray
                       ) -> tuple[float, float, np.ndarray, np.ndarray]:
        """``evaluate_output`` on ``x[:n]`` and on ``x[n:]`` (n = len(y_first)) in one forward pass: the
        end of an epoch scores the training and the test data at once, each row's numbers as alone."""
        n = len(y_first)
        z, a = self._output_of(x)
        first = self.loss.value(a[:n], y_first, z=z[:n])
        rest = self.loss.value(a[n:], y_rest, z=z[n:]) if len(y_rest) else float("nan")
        return first, rest, a[:n], a[n:]

    def _output_of(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The output layer's z and a for inputs ``x`` (new arrays: no step's buffers touched)."""
        a = np.asarray(x, dtype=np.float64)
        for layer in self.layers:
            z = a @ layer.weights.T
            if layer.biases is not None:
                z += layer.biases
            a = layer.activation.forward(z)
        return z, a

    def clone(self) -> "Network":
        """An independent copy with the same parameters (for checks that must not disturb a step)."""
        twin = Network(self.inputs, self.specs, self.loss.name, self.init, self.seed, self.bias_init, self.init_scale)
        twin.params[...] = self.params
        return twin

    def describe(self) -> str:
        sizes = [str(self.inputs)] + [f"{layer.units}{layer.activation.name[0]}" for layer in self.layers]
        return "-".join(sizes)
