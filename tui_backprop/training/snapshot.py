"""What a session hands to readers: immutable copies taken at one instant."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tui_backprop.core.diagnostics import LayerDiagnostics
from tui_backprop.core.figures import counted


@dataclass(frozen=True)
class NanReport:
    step: int
    phase: str
    layer: int | None  # 0-based; None when not tied to one layer
    what: str

    @property
    def problem(self) -> str:
        where = f" in layer {self.layer + 1}" if self.layer is not None else ""
        return f"In step {self.step:,}: {self.what} became NaN or infinite{where} during the {self.phase} phase."

    @property
    def message(self) -> str:
        """The app's: training pauses there and can be reset."""
        return f"{self.problem} Training paused. Try a smaller learning rate or smaller initial weights, then reset."

    @property
    def stopped_message(self) -> str:
        """The command line's: nothing pauses, the run ends after the last whole step."""
        return (f"{self.problem} Training stopped after {counted(self.step - 1, 'step')}. Try a smaller learning "
                f"rate or smaller initial weights.")


@dataclass(frozen=True)
class LayerSnapshot:
    index: int
    units: int
    fan_in: int
    activation: str
    has_bias: bool
    weights: np.ndarray
    biases: np.ndarray | None
    grad_weights: np.ndarray
    grad_biases: np.ndarray | None
    update_weights: np.ndarray
    update_biases: np.ndarray | None
    inputs: np.ndarray | None  # a_prev per sample
    z: np.ndarray | None
    a: np.ndarray | None
    grad_a: np.ndarray | None  # d(loss_i)/da per sample
    delta: np.ndarray | None  # d(loss_i)/dz per sample
    diagnostics: LayerDiagnostics
    # The step in progress has not reached this layer's forward / backward phase yet: its z, a
    # (and delta, dL/da) are None and its gradients are the previous step's, to be shown as pending.
    forward_pending: bool = False
    backward_pending: bool = False
    f_prime: np.ndarray | None = None  # f'(z) = da/dz per sample, from core's activation (softmax: its diagonal)
    delta_from_loss: bool = False  # output layer: the loss gives δ = ∂ℓ/∂z directly (bce after sigmoid, cross-entropy)


@dataclass(frozen=True)
class Snapshot:
    """Everything a pane may show, copied at one instant."""

    step: int  # completed steps
    epoch: int  # completed epochs
    batch_in_epoch: int
    steps_per_epoch: int
    last_phase: str | None  # phase just completed ("forward L1" … "update"; None before the first step)
    next_phase: str
    phases_done: tuple[str, ...]  # phases of the step in progress that have run
    loss: float | None  # batch loss of the latest loss phase
    train_loss: float | None  # full training set, at the last epoch end
    test_loss: float | None
    accuracy: float | None
    learning_rate: float
    pause_after: str
    halted: NanReport | None
    message: str | None  # a lesson note or stop-condition text
    history_steps: np.ndarray
    history_loss: np.ndarray
    test_steps: np.ndarray
    test_loss_history: np.ndarray
    layers: tuple[LayerSnapshot, ...]
    batch_x: np.ndarray | None
    batch_y: np.ndarray | None
    output: np.ndarray | None
    title: str
    loss_name: str = ""
    input_names: tuple[str, ...] = ()
    accuracy_steps: np.ndarray | None = None
    accuracy_history: np.ndarray | None = None
    grid: "GridSnapshot | None" = None
    update_ratio_steps: np.ndarray | None = None  # log10 ‖ΔW‖/‖W‖ per layer over the run (thinned)
    update_ratio_history: np.ndarray | None = None  # [points, layers]
    data_points: "DataPoints | None" = None
    has_test_data: bool = True  # a test set exists (the curve's legend names only the series there are)
    running: bool = False
    steps_per_second: float = 0.0
    taken_at: float = 0.0
    speed_limit: float | None = None  # the runner's steps-a-second cap (None: full speed)
    replaying_to: int | None = None  # the runner is going back to this step by a replay
    regularization: str = "none"  # on the weights: the optimizer adds its term to ∂L/∂w
    regularization_rate: float = 0.0
    optimizer: str = "sgd"  # its name: only plain SGD's update is −lr·∂L/∂w
    phases: tuple[str, ...] = ()  # all phases of one step, in order
    history_points: dict | None = None  # LossHistory.points(): each series with its buckets' ranges
    weights_edited: bool = False  # a weight was typed by hand (w) since the start (Session.weights_edited)
    differs_from_lesson: str | None = None  # how this run differs from its lesson's settings (SessionStops)

    @property
    def paused_after_backward(self) -> bool:
        """The backward pass is complete (down to layer 1) and the update has not run."""
        return self.last_phase == "backward L1"

    @property
    def state_word(self) -> str:
        if self.halted:
            return "halted"
        if self.running and self.replaying_to is not None:
            return "replaying"
        if self.running:
            return "running"
        if self.paused_after_backward:
            return "paused after backward"
        return "paused"


@dataclass(frozen=True)
class GridSnapshot:
    """Every layer's output over a grid of the 2-D input plane (row 0 = top, largest x2)."""

    extent: tuple[float, float, float, float]  # x1 min, x1 max, x2 min, x2 max
    layer_outputs: tuple[np.ndarray, ...]  # per layer [rows, cols, units]

    @property
    def output(self) -> np.ndarray:
        return self.layer_outputs[-1]


@dataclass(frozen=True)
class DataPoints:
    """Raw 2-D points and their targets, for plotting."""

    train_points: np.ndarray
    train_targets: np.ndarray
    test_points: np.ndarray
    test_targets: np.ndarray
    task: str
    labels: str
