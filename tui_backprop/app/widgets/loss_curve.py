"""Live loss curve: training loss per step, test loss per epoch (plotext)."""

from __future__ import annotations

import numpy as np
from textual.binding import Binding
from textual.reactive import reactive
from textual_plotext import PlotextPlot

from tui_backprop.training.session import Snapshot


CLIP = 1e12


def downsample(x: np.ndarray, y: np.ndarray, points: int) -> tuple[np.ndarray, np.ndarray]:
    """Bucket means, about ``points`` of them: plotting cost stays flat for long runs."""
    n = len(x)
    y = np.clip(y, -CLIP, CLIP)  # a diverging run must not overflow the plot's arithmetic
    if n <= points or points < 2:
        return x, y
    edges = np.linspace(0, n, points + 1).astype(int)
    edges = np.unique(edges[:-1])
    counts = np.diff(np.append(edges, n))
    return np.add.reduceat(x, edges) / counts, np.add.reduceat(y, edges) / counts


class LossCurve(PlotextPlot, can_focus=True):
    """Train and test loss against step. ``l`` toggles a log scale."""

    BINDINGS = [
        Binding("l", "toggle_log", "Log scale", id="curve.log"),
    ]

    log_scale: reactive[bool] = reactive(False)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._snapshot: Snapshot | None = None
        self.border_title = "Loss"

    def on_mount(self) -> None:
        super().on_mount()
        self.plt.xlabel("step")
        self.replot()

    def show(self, snapshot: Snapshot) -> None:
        self._snapshot = snapshot
        self.replot()

    def action_toggle_log(self) -> None:
        self.log_scale = not self.log_scale

    def watch_log_scale(self, value: bool) -> None:
        self.border_subtitle = "log scale" if value else ""
        self.replot()

    def replot(self) -> None:
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        plt.xlabel("step")
        snap = self._snapshot
        plt.yscale("linear")
        if snap is None or len(snap.history_steps) == 0:
            plt.title("no steps yet: press space or n")
            self.refresh()
            return
        width = max(self.size.width, 20)
        if self.log_scale and (snap.history_loss > 0).any():
            plt.yscale("log")
        xs, ys = downsample(snap.history_steps, snap.history_loss, 2 * width)
        ok = np.isfinite(ys) & ((ys > 0) if self.log_scale else True)
        plt.plot(xs[ok].tolist(), ys[ok].tolist(), label="train (batch)", marker="braille", color="cyan")
        if len(snap.test_steps):
            tx, ty = downsample(snap.test_steps, snap.test_loss_history, width)
            ok = np.isfinite(ty) & ((ty > 0) if self.log_scale else True)
            if ok.any():
                plt.plot(tx[ok].tolist(), ty[ok].tolist(), label="test", marker="braille", color="orange")
        self.refresh()
