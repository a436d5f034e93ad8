"""Datasets, generated from a seed the way TensorFlow Playground does.

The 2-D generators follow Playground's recipes (radii, centres, noise as a
fraction of the input range) so the pictures look alike. Classification
labels are 0/1 (for sigmoid + bce) unless ``labels = "plus_minus_one"``
(Playground's ±1 with a tanh output); a 3-class spiral gives one-hot rows.
"""

from __future__ import annotations

import csv
import gzip
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

GENERATED = ("circle", "xor", "gauss", "spiral", "plane", "multi_gauss")
SOURCES = GENERATED + ("inline", "csv", "digits")
CLASSIFICATION = ("circle", "xor", "gauss", "spiral", "digits")
LABEL_FORMATS = ("zero_one", "plus_minus_one")

# Input features Playground offers, computed from the raw point (x1, x2).
FEATURES = {
    "x1": lambda p: p[:, 0],
    "x2": lambda p: p[:, 1],
    "x1^2": lambda p: p[:, 0] ** 2,
    "x2^2": lambda p: p[:, 1] ** 2,
    "x1*x2": lambda p: p[:, 0] * p[:, 1],
    "sin(x1)": lambda p: np.sin(p[:, 0]),
    "sin(x2)": lambda p: np.sin(p[:, 1]),
}


@dataclass
class Dataset:
    """Train and test split. ``points`` are the raw 2-D inputs (for pictures)."""

    source: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    points_train: np.ndarray
    points_test: np.ndarray
    task: str = "regression"  # or "classification"
    features: tuple[str, ...] = ()
    extent: tuple[float, float, float, float] = (-6.0, 6.0, -6.0, 6.0)
    x_train_ones: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        # The trailing column of ones lets the network use batches without copying.
        self.x_train_ones = np.hstack([self.x_train, np.ones((len(self.x_train), 1))])

    @property
    def inputs(self) -> int:
        return self.x_train.shape[1]

    @property
    def outputs(self) -> int:
        return self.y_train.shape[1]

    @property
    def is_2d(self) -> bool:
        return self.points_train.shape[1] == 2

    def featurize(self, points: np.ndarray) -> np.ndarray:
        """Network inputs for raw 2-D points (for the decision boundary)."""
        if not self.features:
            return points
        return np.column_stack([FEATURES[name](points) for name in self.features])


def circle(n: int, noise: float, rng) -> tuple[np.ndarray, np.ndarray]:
    radius = 5.0
    pts, labels = [], []
    for inside in (True, False):
        count = n // 2 if inside else n - n // 2
        low, high = (0.0, radius * 0.5) if inside else (radius * 0.7, radius)
        r = rng.uniform(low, high, count)
        angle = rng.uniform(0.0, 2 * math.pi, count)
        x, y = r * np.sin(angle), r * np.cos(angle)
        nx = rng.uniform(-radius, radius, count) * noise
        ny = rng.uniform(-radius, radius, count) * noise
        # Label from the noisy position, as Playground does.
        lab = (np.hypot(x + nx, y + ny) < radius * 0.5).astype(float)
        pts.append(np.column_stack([x, y]))
        labels.append(lab)
    return np.vstack(pts), np.concatenate(labels)


def xor(n: int, noise: float, rng):
    padding = 0.3
    x = rng.uniform(-5, 5, n)
    y = rng.uniform(-5, 5, n)
    x = x + np.where(x > 0, padding, -padding)
    y = y + np.where(y > 0, padding, -padding)
    nx = rng.uniform(-5, 5, n) * noise
    ny = rng.uniform(-5, 5, n) * noise
    lab = ((x + nx) * (y + ny) >= 0).astype(float)
    return np.column_stack([x, y]), lab


def gauss(n: int, noise: float, rng):
    # Playground maps noise 0..0.5 to variance 0.5..4.
    variance = 0.5 + noise / 0.5 * 3.5
    std = math.sqrt(variance)
    half = n // 2
    a = rng.normal((2.0, 2.0), std, size=(half, 2))
    b = rng.normal((-2.0, -2.0), std, size=(n - half, 2))
    return np.vstack([a, b]), np.concatenate([np.ones(half), np.zeros(n - half)])


def spiral(n: int, noise: float, rng, classes: int = 2):
    pts, labels = [], []
    for k in range(classes):
        count = n // classes + (1 if k < n % classes else 0)
        i = np.arange(count)
        r = i / max(count, 1) * 5.0
        t = 1.75 * i / max(count, 1) * 2 * math.pi + k * 2 * math.pi / classes
        x = r * np.sin(t) + rng.uniform(-1, 1, count) * noise
        y = r * np.cos(t) + rng.uniform(-1, 1, count) * noise
        pts.append(np.column_stack([x, y]))
        labels.append(np.full(count, k, dtype=float))
    lab = np.concatenate(labels)
    if classes == 2:
        lab = 1.0 - lab  # Playground's first arm is the positive class
    return np.vstack(pts), lab


def plane(n: int, noise: float, rng):
    radius = 6.0
    x = rng.uniform(-radius, radius, n)
    y = rng.uniform(-radius, radius, n)
    nx = rng.uniform(-radius, radius, n) * noise
    ny = rng.uniform(-radius, radius, n) * noise
    label = (x + nx + y + ny) / 10.0  # Playground scales [-10, 10] to [-1, 1]
    return np.column_stack([x, y]), label


_GAUSSIANS = ((-4, 2.5, 1), (0, 2.5, -1), (4, 2.5, 1), (-4, -2.5, -1), (0, -2.5, 1), (4, -2.5, -1))


def multi_gauss(n: int, noise: float, rng):
    radius = 6.0
    x = rng.uniform(-radius, radius, n)
    y = rng.uniform(-radius, radius, n)
    nx = rng.uniform(-radius, radius, n) * noise
    ny = rng.uniform(-radius, radius, n) * noise
    px, py = x + nx, y + ny
    label = np.zeros(n)
    for cx, cy, sign in _GAUSSIANS:
        scaled = sign * np.clip(1.0 - np.hypot(px - cx, py - cy) / 2.0, 0.0, 1.0)
        label = np.where(np.abs(scaled) > np.abs(label), scaled, label)
    return np.column_stack([x, y]), label


DIGITS_FILE = Path(__file__).parent / "data" / "digits.u8.gz"  # attribution: data/DIGITS-ATTRIBUTION.md
DIGITS_SIDE = 8


def load_digits() -> tuple[np.ndarray, np.ndarray]:
    """The 1,797 8×8 handwritten digits shipped with the package: (pixels 0..16 as [n, 64], labels 0..9)."""
    raw = np.frombuffer(gzip.decompress(DIGITS_FILE.read_bytes()), dtype=np.uint8).reshape(-1, 65)
    return raw[:, :64].astype(np.float64), raw[:, 64].astype(int)


def load_csv(path: Path, target_columns: int = 1) -> tuple[np.ndarray, np.ndarray]:
    rows = []
    width = first = None  # fields per line, as the header (line 1) or the first row has them
    header = False
    with open(path, newline="") as fh:
        for line_no, row in enumerate(csv.reader(fh), start=1):
            if not row or all(not cell.strip() for cell in row):
                continue
            if width is None:
                width, first = len(row), line_no
            elif len(row) != width:
                where = "the header" if header else f"line {first}"
                raise ValueError(f"{path}: line {line_no} has {len(row)} field(s) where {where} has {width}")
            try:
                rows.append([float(cell) for cell in row])
            except ValueError:
                if line_no == 1 and not rows:
                    header = True
                    continue
                raise ValueError(f"{path}: line {line_no} has a value that is not a number") from None
    if not rows:
        raise ValueError(f"{path}: no rows of numbers")
    data = np.array(rows, dtype=np.float64)
    if data.shape[1] <= target_columns:
        raise ValueError(f"{path}: needs more than {target_columns} column(s)")
    return data[:, :-target_columns], data[:, -target_columns:]


def make_dataset(
    source: str,
    samples: int = 200,
    noise: float = 0.0,
    test_fraction: float = 0.5,
    seed: int = 0,
    *,
    x=None,
    y=None,
    path: Path | None = None,
    target_columns: int = 1,
    labels: str = "zero_one",
    classes: int = 2,
    features: tuple[str, ...] = (),
) -> Dataset:
    rng = np.random.default_rng([seed, 2])
    task = "classification" if source in CLASSIFICATION else "regression"
    if source in GENERATED:
        if source == "spiral":
            points, lab = spiral(samples, noise, rng, classes)
        else:
            points, lab = globals()[source](samples, noise, rng)
        if task == "classification" and classes > 2:
            target = np.eye(classes)[lab.astype(int)]
        else:
            target = lab[:, None]
            if task == "classification" and labels == "plus_minus_one":
                target = target * 2.0 - 1.0
        order = rng.permutation(len(points))
        points, target = points[order], target[order]
    elif source == "inline":
        points = np.asarray(x, dtype=np.float64)
        target = np.asarray(y, dtype=np.float64)
        if points.ndim == 1:
            points = points[:, None]
        if target.ndim == 1:
            target = target[:, None]
        if len(points) != len(target):
            raise ValueError(f"inline data has {len(points)} inputs but {len(target)} targets")
    elif source == "csv":
        points, target = load_csv(Path(path), target_columns)
        order = rng.permutation(len(points))
        points, target = points[order], target[order]
    elif source == "digits":
        pixels, digit = load_digits()
        points = pixels / 16.0  # ink share per pixel, 0..1: inputs on the scale the initializations expect
        target = np.eye(10)[digit]
        order = rng.permutation(len(points))
        points, target = points[order], target[order]
    else:
        raise ValueError(f"unknown data source {source!r}")
    n_test = int(round(len(points) * test_fraction))
    if n_test >= len(points):
        n_test = len(points) - 1
    n_train = len(points) - n_test
    p_train, p_test = points[:n_train], points[n_train:]
    y_train, y_test = target[:n_train], target[n_train:]
    feats = tuple(features)
    ds = Dataset(source, p_train, y_train, p_test, y_test, p_train, p_test, task, feats)
    if feats:
        ds.x_train = ds.featurize(p_train)
        ds.x_test = ds.featurize(p_test)
        ds.__post_init__()
    if source in GENERATED:
        ds.extent = (-6.0, 6.0, -6.0, 6.0)
    elif points.shape[1] == 2:
        lo, hi = points.min(axis=0), points.max(axis=0)
        pad = np.maximum((hi - lo) * 0.1, 0.5)
        ds.extent = (lo[0] - pad[0], hi[0] + pad[0], lo[1] - pad[1], hi[1] + pad[1])
    return ds
