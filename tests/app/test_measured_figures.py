"""Measured figures keep their 4 digits, trailing zeros too (QA 7: "loss 0.146 · test 0.2848" read as a
different precision): the loss curve's readout, for one step and for a bucket's mean."""

import dataclasses

import numpy as np

from tui_backprop.app.app import BackpropApp
from tui_backprop.app.widgets.loss_curve import LossCurve
from tui_backprop.presets import load_preset
from tui_backprop.training.history import Points


async def test_the_curve_readout_keeps_trailing_zeros():
    app = BackpropApp(load_preset("xor"), questions=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("n", "n")
        exact = lambda x, y: Points.exact(np.array(x, float), np.array(y, float))  # noqa: E731
        bucket = Points(np.array([1.0, 15.5]), np.array([0.5, 0.41]), np.array([0.5, 0.38]),
                        np.array([0.5, 0.47]), np.array([1.0, 11.0]), np.array([1.0, 20.0]), np.array([1.0, 10.0]))
        curve = app.query_one(LossCurve)
        snap = app.session.snapshot()
        points = {"train": exact([1, 2], [0.146, 0.4449]), "test": exact([2], [0.488]),
                  "accuracy": exact([], [])}
        curve.show(dataclasses.replace(snap, history_points=points))
        curve.cursor = 0
        assert curve.cursor_text() == "step 1: loss 0.1460"
        curve.cursor = 1
        assert curve.cursor_text() == "step 2: loss 0.4449 · test 0.4880"
        curve.show(dataclasses.replace(snap, history_points={**points, "train": bucket, "test": exact([], [])}))
        assert curve.cursor_text() == "steps 11–20: mean 0.4100 (min 0.3800, max 0.4700)"
