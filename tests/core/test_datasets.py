"""Datasets: every source, seeds, splits, noise, label formats and features."""

import math

import numpy as np
import pytest

from tui_backprop.core.datasets import CLASSIFICATION, FEATURES, GENERATED, SOURCES, make_dataset


def _all(ds):
    return np.vstack([ds.points_train, ds.points_test]), np.vstack([ds.y_train, ds.y_test])


@pytest.mark.parametrize("source", GENERATED)
def test_same_seed_same_data_other_seed_other_data(source):
    a = make_dataset(source, 120, 0.2, 0.25, seed=3)
    b = make_dataset(source, 120, 0.2, 0.25, seed=3)
    c = make_dataset(source, 120, 0.2, 0.25, seed=4)
    for name in ("x_train", "y_train", "x_test", "y_test"):
        assert np.array_equal(getattr(a, name), getattr(b, name)), name
    assert not np.array_equal(a.x_train, c.x_train)


@pytest.mark.parametrize("source", GENERATED)
@pytest.mark.parametrize("samples,fraction,n_test", [(200, 0.5, 100), (101, 0.2, 20), (10, 0.0, 0), (7, 0.9, 6)])
def test_test_fraction_split_sizes(source, samples, fraction, n_test):
    ds = make_dataset(source, samples, 0.0, fraction, seed=1)
    assert len(ds.x_test) == len(ds.y_test) == n_test
    assert len(ds.x_train) == len(ds.y_train) == samples - n_test
    assert ds.x_train.dtype == np.float64
    assert ds.inputs == 2 and ds.outputs == 1
    assert ds.x_train_ones.shape == (samples - n_test, 3)
    np.testing.assert_array_equal(ds.x_train_ones[:, -1], 1.0)
    np.testing.assert_array_equal(ds.x_train_ones[:, :2], ds.x_train)


def test_split_never_leaves_the_training_set_empty():
    ds = make_dataset("inline", x=[[1.0], [2.0]], y=[[1.0], [2.0]], test_fraction=0.9)
    assert len(ds.x_train) == 1 and len(ds.x_test) == 1


@pytest.mark.parametrize("source", GENERATED)
def test_task_and_extent(source):
    ds = make_dataset(source, 50, 0.0, 0.0, seed=0)
    assert ds.task == ("classification" if source in CLASSIFICATION else "regression")
    assert ds.extent == (-6.0, 6.0, -6.0, 6.0)
    points, _ = _all(ds)
    assert np.abs(points).max() <= 6.0 + 1e-12


def test_circle_without_noise_labels_by_radius():
    ds = make_dataset("circle", 400, 0.0, 0.0, seed=5)
    points, y = _all(ds)
    r = np.hypot(points[:, 0], points[:, 1])
    inside = y[:, 0] == 1.0
    assert inside.sum() == 200  # half inside, half in the ring
    assert r[inside].max() <= 2.5  # radius 5 · 0.5
    assert r[~inside].min() >= 3.5 and r[~inside].max() <= 5.0  # ring 0.7·5 … 5
    assert set(np.unique(y)) == {0.0, 1.0}


def test_circle_noise_moves_labels_not_points():
    """Playground labels a point by its noisy position but draws the clean one."""
    clean = make_dataset("circle", 400, 0.0, 0.0, seed=5)
    noisy = make_dataset("circle", 400, 0.5, 0.0, seed=5)
    points, y = _all(noisy)
    r = np.hypot(points[:, 0], points[:, 1])
    assert r.max() <= 5.0  # points stay on the disc
    mislabelled = np.mean((r < 2.5) != (y[:, 0] == 1.0))
    assert 0.02 < mislabelled < 0.5
    assert np.mean((np.hypot(*_all(clean)[0].T) < 2.5) != (_all(clean)[1][:, 0] == 1.0)) == 0.0


def test_xor_without_noise():
    points, y = _all(make_dataset("xor", 300, 0.0, 0.0, seed=2))
    assert np.abs(points).min() >= 0.3  # padding keeps points off the axes
    assert np.abs(points).max() <= 5.3
    np.testing.assert_array_equal(y[:, 0], (points[:, 0] * points[:, 1] >= 0).astype(float))


def test_xor_noise_flips_some_labels():
    points, y = _all(make_dataset("xor", 1000, 0.5, 0.0, seed=2))
    wrong = np.mean(y[:, 0] != (points[:, 0] * points[:, 1] >= 0))
    assert 0.05 < wrong < 0.5


def test_gauss_centres_and_noise_as_variance():
    ds = make_dataset("gauss", 4000, 0.0, 0.0, seed=1)
    points, y = _all(ds)
    pos = points[y[:, 0] == 1.0]
    neg = points[y[:, 0] == 0.0]
    assert len(pos) == len(neg) == 2000
    np.testing.assert_allclose(pos.mean(axis=0), [2.0, 2.0], atol=0.08)
    np.testing.assert_allclose(neg.mean(axis=0), [-2.0, -2.0], atol=0.08)
    # noise 0 → variance 0.5; noise 0.5 → variance 0.5 + 3.5 = 4 (Playground's scale)
    assert pos.var(axis=0) == pytest.approx([0.5, 0.5], rel=0.1)
    pos4 = _all(make_dataset("gauss", 4000, 0.5, 0.0, seed=1))
    assert pos4[0][pos4[1][:, 0] == 1.0].var(axis=0) == pytest.approx([4.0, 4.0], rel=0.1)


def test_spiral_two_classes_zero_one():
    points, y = _all(make_dataset("spiral", 200, 0.0, 0.0, seed=0))
    assert set(np.unique(y)) == {0.0, 1.0}
    assert y.sum() == 100
    r = np.hypot(points[:, 0], points[:, 1])
    assert r.max() < 5.0
    # without noise the arms are point-symmetric: every point of one arm has its mirror in the other
    arm1, arm0 = points[y[:, 0] == 1.0], points[y[:, 0] == 0.0]
    mirrored = np.sort(np.round(-arm1, 9), axis=0)
    np.testing.assert_allclose(mirrored, np.sort(np.round(arm0, 9), axis=0), atol=1e-9)


def test_spiral_three_classes_is_one_hot():
    ds = make_dataset("spiral", 301, 0.1, 0.2, seed=0, classes=3)
    assert ds.outputs == 3
    _, y = _all(ds)
    assert y.shape == (301, 3)
    np.testing.assert_array_equal(y.sum(axis=1), 1.0)
    assert set(np.unique(y)) == {0.0, 1.0}
    np.testing.assert_array_equal(np.sort(y.sum(axis=0)), [100, 100, 101])


def test_plus_minus_one_labels():
    a = make_dataset("xor", 100, 0.0, 0.3, seed=9)
    b = make_dataset("xor", 100, 0.0, 0.3, seed=9, labels="plus_minus_one")
    assert set(np.unique(b.y_train)) == {-1.0, 1.0}
    np.testing.assert_array_equal(b.y_train, a.y_train * 2 - 1)
    np.testing.assert_array_equal(b.x_train, a.x_train)


def test_plane_is_a_linear_regression_target():
    points, y = _all(make_dataset("plane", 200, 0.0, 0.0, seed=4))
    np.testing.assert_allclose(y[:, 0], (points[:, 0] + points[:, 1]) / 10.0, rtol=1e-15)
    assert np.abs(y).max() <= 1.2
    noisy_points, noisy_y = _all(make_dataset("plane", 200, 0.3, 0.0, seed=4))
    assert np.abs(noisy_y[:, 0] - (noisy_points[:, 0] + noisy_points[:, 1]) / 10.0).max() > 0.05


def test_multi_gauss_peaks():
    points, y = _all(make_dataset("multi_gauss", 2000, 0.0, 0.0, seed=4))
    assert np.abs(y).max() <= 1.0
    # near a centre the target is the centre's sign, close to ±1
    near_pos = np.hypot(points[:, 0] + 4, points[:, 1] - 2.5) < 0.3  # (−4, 2.5): +1
    near_neg = np.hypot(points[:, 0], points[:, 1] - 2.5) < 0.3  # (0, 2.5): −1
    assert near_pos.any() and near_neg.any()
    assert (y[near_pos, 0] > 0.8).all()
    assert (y[near_neg, 0] < -0.8).all()
    far = np.hypot(points[:, 0], points[:, 1]) < 0.4  # the origin is 2.5 from every centre
    assert (y[far, 0] == 0.0).all()


def test_inline_keeps_rows_in_order():
    ds = make_dataset("inline", x=[[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], y=[[1.0], [2.0], [3.0]],
                      test_fraction=0.0)
    np.testing.assert_array_equal(ds.x_train, [[1, 2], [3, 4], [5, 6]])
    np.testing.assert_array_equal(ds.y_train, [[1], [2], [3]])
    assert ds.task == "regression" and len(ds.x_test) == 0


def test_inline_vectors_become_columns_and_mismatch_is_an_error():
    ds = make_dataset("inline", x=[1.0, 2.0], y=[3.0, 4.0], test_fraction=0.0)
    assert ds.x_train.shape == (2, 1) and ds.y_train.shape == (2, 1)
    with pytest.raises(ValueError, match="2 inputs but 3 targets"):
        make_dataset("inline", x=[[1.0], [2.0]], y=[[1.0], [2.0], [3.0]])


def _write(tmp_path, text, name="data.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_csv_with_header_last_column_target(tmp_path):
    path = _write(tmp_path, "a,b,target\n1,2,3\n4,5,6\n\n7,8,9\n10,11,12\n")
    ds = make_dataset("csv", path=path, test_fraction=0.25, seed=0)
    assert ds.inputs == 2 and ds.outputs == 1
    assert len(ds.x_train) == 3 and len(ds.x_test) == 1
    x, y = np.vstack([ds.x_train, ds.x_test]), np.vstack([ds.y_train, ds.y_test])
    # shuffled, but every row keeps its own target
    np.testing.assert_array_equal(y[:, 0], x[:, 1] + 1)
    assert sorted(x[:, 0]) == [1, 4, 7, 10]
    assert ds.is_2d and ds.extent[0] < 1 and ds.extent[1] > 10


def test_csv_target_columns(tmp_path):
    path = _write(tmp_path, "1,2,3\n4,5,6\n")
    ds = make_dataset("csv", path=path, test_fraction=0.0, target_columns=2)
    assert ds.inputs == 1 and ds.outputs == 2
    np.testing.assert_array_equal(np.sort(ds.x_train[:, 0]), [1, 4])


@pytest.mark.parametrize("text,message", [
    ("1,2\n3,x\n", "line 2 has a value that is not a number"),
    ("a,b\nc,d\n", "line 2"),
    ("1,2\n3,4,5\n", r"line 2 has 3 field\(s\) where line 1 has 2"),
    ("", "no rows"),
    ("1\n2\n", "more than 1 column"),
])
def test_csv_bad_rows(tmp_path, text, message):
    with pytest.raises(ValueError, match=message):
        make_dataset("csv", path=_write(tmp_path, text))


def test_csv_same_seed_same_shuffle(tmp_path):
    path = _write(tmp_path, "".join(f"{i},{i * 2}\n" for i in range(30)))
    a = make_dataset("csv", path=path, seed=1)
    b = make_dataset("csv", path=path, seed=1)
    c = make_dataset("csv", path=path, seed=2)
    assert np.array_equal(a.x_train, b.x_train)
    assert not np.array_equal(a.x_train, c.x_train)


def test_features():
    plain = make_dataset("circle", 40, 0.0, 0.25, seed=1)
    feats = ("x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)")
    ds = make_dataset("circle", 40, 0.0, 0.25, seed=1, features=feats)
    assert set(feats) == set(FEATURES)
    assert ds.inputs == 7
    p = ds.points_train
    np.testing.assert_array_equal(p, plain.points_train)
    expected = np.column_stack([p[:, 0], p[:, 1], p[:, 0] ** 2, p[:, 1] ** 2, p[:, 0] * p[:, 1],
                                np.sin(p[:, 0]), np.sin(p[:, 1])])
    np.testing.assert_array_equal(ds.x_train, expected)
    np.testing.assert_array_equal(ds.x_test[:, 2], ds.points_test[:, 0] ** 2)
    assert ds.x_train_ones.shape == (30, 8)  # rebuilt for the featurized inputs
    np.testing.assert_array_equal(ds.x_train_ones[:, :7], ds.x_train)
    np.testing.assert_array_equal(ds.featurize(np.array([[1.0, 2.0]])),
                                  [[1.0, 2.0, 1.0, 4.0, 2.0, math.sin(1.0), math.sin(2.0)]])


def test_unknown_source():
    assert "csv" in SOURCES and "inline" in SOURCES
    with pytest.raises(ValueError, match="unknown data source"):
        make_dataset("moons")
