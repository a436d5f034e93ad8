"""The loss history: bounded, exact at the start and the end, buckets with min/max/mean between."""

import numpy as np
import pytest

from tests.conftest import inline_config
from tui_backprop.run_summary import RunRecord
from tui_backprop.training import LossHistory, Series, Session
from tui_backprop.training.history import Points


def noisy_session() -> Session:
    """One weight fitting three points no line fits, one sample a step: the loss never settles."""
    return Session(inline_config([[1.0]], [[1.0], [2.0], [3.0]], [[1.0], [5.0], [2.0]],
                                 learning_rate=0.01, batch_size=1))


def check_buckets(points: Points, xs: np.ndarray, ys: np.ndarray) -> None:
    """Every entry's mean, min, max and steps are those of the raw points it stands for."""
    start = 0
    for i in range(len(points)):
        k = int(points.count[i])
        seg_x, seg_y = xs[start : start + k], ys[start : start + k]
        assert points.first[i] == seg_x[0] and points.last[i] == seg_x[-1]
        assert points.low[i] == seg_y.min() and points.high[i] == seg_y.max()
        assert points.x[i] == pytest.approx(seg_x.mean(), rel=1e-12)
        assert points.y[i] == pytest.approx(seg_y.mean(), rel=1e-9, abs=1e-300)
        start += k
    assert start == len(xs)


def test_a_long_run_keeps_its_first_512_steps_exactly_and_buckets_the_middle():
    s = noisy_session()
    record = RunRecord(s)
    s.run(100_000, should_stop=record)
    record.take()
    losses = np.array(record.losses)
    steps = np.arange(1, 100_001, dtype=float)
    assert len(losses) == 100_000 and s.history.train.total == 100_000
    x, y = s.history.train.arrays()
    assert len(x) <= 4096  # bounded
    assert np.array_equal(x[:512], steps[:512]) and np.array_equal(y[:512], losses[:512])  # never averaged
    assert np.array_equal(x[-1024:], steps[-1024:]) and np.array_equal(y[-1024:], losses[-1024:])
    points = s.history.train.points()
    assert points.count.sum() == 100_000
    middle = np.flatnonzero(points.count > 1)
    assert middle[0] == 512 and np.array_equal(middle, np.arange(512, 512 + len(middle)))  # then buckets
    assert points.count[middle].sum() > 90_000
    check_buckets(points, steps, losses)
    # the noise survives as each bucket's range around its mean
    assert (points.high[middle] > points.y[middle]).all() and (points.low[middle] < points.y[middle]).all()


def test_a_single_spike_survives_as_a_bucket_max():
    series = Series()
    rng = np.random.default_rng(0)
    ys = 1.0 + 0.01 * rng.standard_normal(100_000)
    ys[49_999] = 100.0  # step 50,000: a hundred times the rest
    for step, value in enumerate(ys, start=1):
        series.add(step, value)
    p = series.points()
    i = int(np.argmax(p.high))
    assert p.high[i] == 100.0 and p.first[i] <= 50_000 <= p.last[i]
    assert p.count[i] > 1 and p.y[i] < 2.0  # the mean alone would have hidden it
    check_buckets(p, np.arange(1, 100_001, dtype=float), ys)


def test_series_stays_bounded_for_a_million_points():
    series = Series(capacity=4096, tail=1024)
    total = 1_000_000
    xs = np.arange(1, total + 1, dtype=float)
    ys = np.sin(xs / 1000.0)
    longest = 0
    for i in range(total):
        series.add(xs[i], ys[i])
        if i % 997 == 0:
            longest = max(longest, len(series))
    assert len(series) <= 4096 and longest <= 4096 and series.total == total
    x, y = series.arrays()
    assert np.array_equal(x[:512], xs[:512]) and np.array_equal(x[-1024:], xs[-1024:])
    assert np.all(np.diff(x) > 0)  # buckets are in order
    w = series.weights
    assert w.sum() == total  # every point is accounted for once
    buckets = w[w > 1]
    assert np.flatnonzero(w > 1)[0] == 512
    stride = series.stride
    assert 64 <= stride <= 2048
    assert (buckets[:-1] == stride).all()  # all buckets but the filling one are one stride wide
    check_buckets(series.points(), xs, ys)
    assert series.last == ys[-1]


def test_series_without_a_head_averages_pairs_from_the_start():
    series = Series(capacity=8, tail=4, head=0)
    for i in range(9):
        series.add(i, 10.0 * i)
    x, y = series.arrays()
    # full at 8 points: the oldest 4 become 2 pair-means, the newest 4 stay, then point 8 is added
    assert x.tolist() == [0.5, 2.5, 4, 5, 6, 7, 8]
    assert y.tolist() == [5.0, 25.0, 40, 50, 60, 70, 80]
    assert series.weights.tolist() == [2, 2, 1, 1, 1, 1, 1]
    p = series.points()
    assert p.low[:2].tolist() == [0, 20] and p.high[:2].tolist() == [10, 30]
    assert p.first[:2].tolist() == [0, 2] and p.last[:2].tolist() == [1, 3]


def test_small_series_with_a_head():
    series = Series(capacity=16, tail=4, head=3)
    for i in range(1000):
        series.add(i, i % 7)
        assert len(series) <= 16
    x, y = series.arrays()
    assert x[:3].tolist() == [0, 1, 2] and x[-4:].tolist() == [996, 997, 998, 999]
    check_buckets(series.points(), np.arange(1000.0), np.arange(1000) % 7.0)
    assert series.points().high[3:-4].max() == 6  # every bucket saw a 6


def test_default_head_fits_small_capacities():
    assert Series().head == 512
    assert Series(capacity=64, tail=16).head == 11
    assert Series(capacity=8, tail=4).head == 0
    with pytest.raises(ValueError):
        Series(capacity=16, tail=4, head=10)


def test_state_round_trip_keeps_ranges_and_resumes_exactly():
    a = Series(capacity=32, tail=8, head=4)
    for i in range(500):
        a.add(i, np.sin(i))
    b = Series(capacity=32, tail=8, head=4)
    b.load_state(a.state())
    for p, q in zip(vars(a.points()).values(), vars(b.points()).values()):
        assert np.array_equal(p, q)
    for i in range(500, 900):
        a.add(i, np.sin(i))
        b.add(i, np.sin(i))
    for p, q in zip(vars(a.points()).values(), vars(b.points()).values()):
        assert np.array_equal(p, q)
    assert a.total == b.total == 900


@pytest.mark.parametrize("count", [0, 5, 32, 33, 500, 4321])
def test_series_resumes_from_x_y_and_total_alone(count):
    """A save that kept only x, y and total resumes as if never interrupted; the lost ranges say NaN."""
    a = Series(capacity=32, tail=8, head=0)
    for i in range(count):
        a.add(i, -i)
    st = a.state()
    b = Series(capacity=32, tail=8, head=0)
    b.load_state({"x": st["x"], "y": st["y"], "total": st["total"]})
    assert np.array_equal(b.weights, a.weights) and b.stride == a.stride
    pb, pa = b.points(), a.points()
    coarse = pa.count > 1
    assert np.isnan(pb.low[coarse]).all() and np.isnan(pb.high[coarse]).all()
    assert np.array_equal(pb.first, pa.first) and np.array_equal(pb.last, pa.last)  # evenly spaced steps
    for i in range(count, count + 300):
        a.add(i, -i)
        b.add(i, -i)
    assert np.array_equal(a.arrays()[0], b.arrays()[0]) and np.array_equal(a.weights, b.weights)


def test_loss_history_state_without_a_head_is_the_old_layout():
    old = LossHistory(capacity=64, tail=16, head=0)
    for i in range(1, 300):
        old.train.add(i, 1.0 / i)
    state = old.state()
    for st in state.values():
        for key in ("head", "low", "high", "first", "last"):
            del st[key]
    new = LossHistory()
    new.load_state(state)
    assert new.train.head == 0 and np.array_equal(new.train.weights, old.train.weights)
    assert new.train.points().first[0] == 1 and new.train.points().last[0] == old.train.weights[0]
