"""The 8×8 handwritten digits ship inside the package; `train --preset digits` learns them."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from tui_backprop.config import ConfigError, check_consistency, parse_config
from tui_backprop.core.datasets import DIGITS_FILE, load_digits, make_dataset

ROOT = Path(__file__).resolve().parents[2]


def test_the_shipped_file_holds_the_1797_digits_with_attribution():
    pixels, labels = load_digits()
    assert pixels.shape == (1797, 64) and labels.shape == (1797,)
    assert pixels.min() == 0 and pixels.max() == 16
    # The class sizes of the UCI test set (scikit-learn's copy).
    assert np.bincount(labels).tolist() == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
    # The first image is a 0: a ring of ink with an empty middle.
    first = pixels[0].reshape(8, 8)
    assert labels[0] == 0 and first[3:5, 3:5].sum() == 0 and first[1:7, 1].sum() > 0
    attribution = (DIGITS_FILE.parent / "DIGITS-ATTRIBUTION.md").read_text()
    assert "CC BY 4.0" in attribution and "Alpaydin" in attribution
    assert DIGITS_FILE.stat().st_size < 60_000  # small and compressed


def test_digits_dataset_is_scaled_one_hot_and_split():
    ds = make_dataset("digits", test_fraction=0.25, seed=0)
    assert ds.task == "classification" and ds.inputs == 64 and ds.outputs == 10
    assert len(ds.x_train) + len(ds.x_test) == 1797 and len(ds.x_test) == 449
    assert 0.0 <= ds.x_train.min() and ds.x_train.max() == 1.0
    assert (ds.y_train.sum(axis=1) == 1).all()
    again = make_dataset("digits", test_fraction=0.25, seed=0)
    assert np.array_equal(ds.x_train, again.x_train)  # the same seed, the same split
    other = make_dataset("digits", test_fraction=0.25, seed=1)
    assert not np.array_equal(ds.x_train, other.x_train)


def test_digits_config_needs_64_inputs_and_10_outputs():
    raw = {"network": {"inputs": 2, "layers": [{"units": 10, "activation": "softmax"}]},
           "data": {"source": "digits"}, "training": {"loss": "cross_entropy"}}
    with pytest.raises(ConfigError, match=r"x.toml: network.inputs: expected 64"):
        check_consistency(parse_config(raw, "x.toml"))


def test_train_digits_reaches_95_percent_test_accuracy_within_60_seconds():
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "tui_backprop", "train", "--preset", "digits",
                           "--steps", "2000", "--json"], cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    elapsed = time.monotonic() - started
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["accuracy"] >= 0.95, result["accuracy"]  # on the 449 held-back test digits
    assert elapsed < 60.0
