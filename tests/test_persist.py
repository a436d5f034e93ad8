"""Session files: round trip, exact resume, atomic writes, and clear errors on bad files."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import assert_same_state as same_state
from tui_backprop import cli, persist
from tui_backprop.config import ConfigError, parse_config
from tui_backprop.persist import SessionFileError, config_to_dict, load_session, save_session
from tui_backprop.presets import list_presets, load_preset
from tui_backprop.training.history import LossHistory
from tui_backprop.training.session import Session
from tests.conftest import fake_app, preset_session

SERIES = ("train", "test", "train_full", "accuracy")


headless = Session.headless


def xor(**training):
    return preset_session("xor", headless=True, **training)


def assert_same_state(a: Session, b: Session) -> None:
    """Everything that decides the future of a run, compared bit for bit."""
    same_state(a, b)
    assert a.last_phase == b.last_phase
    for name in SERIES:
        assert getattr(a.history, name).total == getattr(b.history, name).total


# ------------------------------------------------------------------ config
def test_config_round_trips_for_every_preset():
    checked = 0
    for info in list_presets():
        try:
            config = load_preset(info.name)
        except ConfigError:
            continue  # a broken preset is the preset tests' business
        raw = config_to_dict(config)
        json.loads(json.dumps(raw))  # plain JSON data
        assert parse_config(raw, config.path, config.name) == config, info.name
        checked += 1
    assert checked >= 4


def test_config_round_trips_with_every_kind_of_field(tmp_path):
    raw = {
        "title": "All the fields", "lesson": "line one\nline two",
        "network": {"inputs": 2, "seed": 11, "init": "he", "bias_init": 0.25, "init_scale": 0.5,
                    "layers": [{"units": 2, "activation": "relu", "weights": [[1, 2], [3.5, -4]],
                                "biases": [0.1, 0.2]},
                               {"units": 3, "activation": "softmax", "bias": False}]},
        "data": {"source": "spiral", "samples": 60, "noise": 0.1, "test_fraction": 0.25, "seed": 5,
                 "classes": 3, "features": ["x1", "x2"]},
        "training": {"loss": "cross_entropy", "optimizer": "adam", "learning_rate": 0.01, "batch_size": 7,
                     "regularization": "l2", "regularization_rate": 0.001, "pause_after": "backward",
                     "beta1": 0.8, "stop_after_epochs": 9, "stop_below_loss": 0.05},
        "checkpoints": [{"step": 3, "phase": "backward", "text": "look"}, {"step": 1, "text": "first"}],
        "compare": [{"label": "a", "training": {"optimizer": "sgd"}},
                    {"label": "b", "training": {"optimizer": "momentum", "momentum": 0.5}}],
    }
    config = parse_config(raw, None, "everything")
    again = parse_config(config_to_dict(config), None, "everything")
    assert again == config


# --------------------------------------------------------------- round trip
def test_round_trip_restores_everything(tmp_path):
    a = xor(optimizer="adam", learning_rate=0.01)
    a.run(37)
    path = save_session(a, tmp_path / "run.npz")
    b = load_session(path)
    assert_same_state(a, b)
    assert b.use_notes is False and b.pause_after == "none"
    # the archive is a plain .npz too: numpy lists its arrays
    with np.load(path) as npz:
        assert np.array_equal(npz["network.params"], a.network.params)
        header = json.loads(bytes(npz["header.json"]))
    assert header["format"] == "tui-backprop-session" and header["version"] == persist.VERSION == 2
    assert header["state"]["step_count"] == 37


def test_a_saved_run_remembers_a_weight_typed_by_hand(tmp_path):
    """The lesson pane says its numbers are the preset's once a weight was typed (w): a resumed run says so too."""
    a = xor()
    a.run(3)
    a.set_parameter(0, 0, 0, 1.25)
    assert a.weights_edited
    b = load_session(save_session(a, tmp_path / "run.npz"))
    assert b.weights_edited and b.snapshot(grid=False).weights_edited
    assert_same_state(a, b)


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "rmsprop", "adagrad", "adam"])
def test_resume_is_bit_identical(tmp_path, optimizer):
    n, m = 23, 41  # 10 steps per epoch: both cross epoch ends and the save is mid-epoch
    straight = xor(optimizer=optimizer, learning_rate=0.05)
    straight.run(n + m)
    first = xor(optimizer=optimizer, learning_rate=0.05)
    first.run(n)
    save_session(first, tmp_path / "s.npz")
    resumed = load_session(tmp_path / "s.npz")
    resumed.run(m)
    assert_same_state(straight, resumed)


def test_resume_with_l2_and_full_batch(tmp_path):
    config = load_preset("xor").replace("training", regularization="l2", regularization_rate=0.01,
                                        batch_size="full", optimizer="momentum")
    straight = headless(config)
    straight.run(30)
    first = headless(config)
    first.run(12)
    resumed = load_session(save_session(first, tmp_path / "s.npz"))
    resumed.run(18)
    assert_same_state(straight, resumed)


def test_resume_keeps_a_compacted_history(tmp_path):
    def small_history(s):
        s.history = LossHistory(capacity=64, tail=16)
        return s

    straight = small_history(xor())
    straight.run(300)
    first = small_history(xor())
    first.run(170)
    assert len(first.history.train) < first.history.train.total  # it has been compacted
    resumed = load_session(save_session(first, tmp_path / "s.npz"))
    assert resumed.history.train.capacity == 64
    resumed.run(130)
    assert_same_state(straight, resumed)


def test_saved_history_keeps_its_head_and_bucket_ranges(tmp_path):
    s = xor(batch_size=1)
    s.run(6000)  # past the 4096 points a series holds: the middle is buckets
    resumed = load_session(save_session(s, tmp_path / "s.npz"))
    a, b = s.history.train.points(), resumed.history.train.points()
    assert (a.count > 1).any() and resumed.history.train.head == 512
    for name in ("x", "y", "low", "high", "first", "last", "count"):
        assert np.array_equal(getattr(a, name), getattr(b, name)), name


def test_a_file_from_before_history_heads_still_loads_and_resumes(tmp_path):
    """Older files have neither the head nor the buckets' ranges: the old layout (no head) resumes exactly."""
    def old_history(s):
        s.history = LossHistory(capacity=64, tail=16, head=0)
        return s

    straight = old_history(xor())
    straight.run(300)
    first = old_history(xor())
    first.run(170)
    new = save_session(first, tmp_path / "new.npz")

    def drop_new_fields(header):
        for info in header["history"].values():
            del info["head"], info["buckets"]
        header["arrays"] = [a for a in header["arrays"] if a.rsplit(".", 1)[-1] in ("x", "y") or
                            not a.startswith("history.")]

    old = tmp_path / "old.npz"
    with zipfile.ZipFile(new) as zin, zipfile.ZipFile(old, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "header.json":
                header = json.loads(data)
                drop_new_fields(header)
                data = json.dumps(header).encode()
            elif item.filename.startswith("history.") and item.filename.split(".")[2] not in ("x", "y"):
                continue
            zout.writestr(item, data)
    resumed = load_session(old)
    assert resumed.history.train.head == 0
    assert np.array_equal(resumed.history.train.weights, first.history.train.weights)
    assert np.isnan(resumed.history.train.points().low[0])  # the range was not saved: unknown, not made up
    resumed.run(130)
    straight_x, straight_y = straight.history.train.arrays()
    assert np.array_equal(resumed.history.train.arrays()[0], straight_x)
    assert np.array_equal(resumed.history.train.arrays()[1], straight_y)


@pytest.mark.parametrize("phases", [1, 2, 3, 4, 5])  # xor: forward L1, forward L2, loss, backward L2, backward L1
@pytest.mark.parametrize("n", [20, 23])  # 20: the step in progress starts an epoch (reshuffled)
def test_save_mid_step_resumes_exactly(tmp_path, phases, n):
    straight = xor()
    straight.run(n + 15)
    a = xor()
    a.run(n)
    for _ in range(phases):
        a.run_phase()
    save_session(a, tmp_path / "mid.npz")
    b = load_session(tmp_path / "mid.npz")
    assert b.phases_done == a.phases_done and len(b.phases_done) == phases
    assert b.loss == a.loss
    if phases == 5:
        assert np.array_equal(b.network.grads, a.network.grads)
        assert b.snapshot().state_word == "paused after backward"
        snap_a, snap_b = a.snapshot(grid=False), b.snapshot(grid=False)
        for la, lb in zip(snap_a.layers, snap_b.layers):
            assert np.array_equal(la.delta, lb.delta) and np.array_equal(la.a, lb.a)
    b.run(15)  # finishes the step in progress, then 14 more
    assert_same_state(straight, b)


@pytest.mark.parametrize("old_phases, last_phase", [(0, "update"), (1, "forward"), (2, "loss"), (3, "backward")])
def test_version_1_files_with_four_phases_still_load(tmp_path, old_phases, last_phase):
    """Version 1 counted four phases a step; its phases_done maps to the per-layer phases of the same point."""
    new_phases = {0: 0, 1: 2, 2: 3, 3: 5}[old_phases]  # xor has two layers
    straight = xor()
    straight.run(30)
    a = xor()
    a.run(22)
    for _ in range(new_phases):
        a.run_phase()
    path = save_session(a, tmp_path / "v2.npz")
    with zipfile.ZipFile(path) as zf:
        entries = {name: zf.read(name) for name in zf.namelist()}
    header = json.loads(entries["header.json"])
    header["version"] = 1
    header["state"].update(phases_done=old_phases, last_phase=last_phase if a.step_count or old_phases else None)
    if old_phases != 3:
        del entries["network.grads.npy"]  # version 1 wrote the gradients only after backward
    entries["header.json"] = json.dumps(header).encode()
    old = tmp_path / "v1.npz"
    with zipfile.ZipFile(old, "w") as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    b = load_session(old)
    assert b.phases_done == a.phases_done and b.loss == a.loss
    b.run(8)
    assert_same_state(straight, b)


def test_pause_after_backward_in_the_app_sense(tmp_path):
    config = load_preset("xor").replace("training", pause_after="backward")
    a = Session(config)
    a.step()
    a.step()
    a.step()  # step 2 stopped after backward
    assert a.snapshot().paused_after_backward
    b = load_session(save_session(a, tmp_path / "s.npz"))
    assert b.pause_after == "backward" and b.snapshot().paused_after_backward
    assert b.step() == ["update"] and a.step() == ["update"]
    assert np.array_equal(a.network.params, b.network.params)


def test_halted_session_round_trips(tmp_path):
    a = headless(load_preset("one-weight"))
    a.run(2)
    a.network.params[:] = 1e200  # the loss overflows on the next step
    with np.errstate(all="ignore"):
        a.run(5)
    assert a.halted is not None
    b = load_session(save_session(a, tmp_path / "s.npz"))
    assert b.halted == a.halted
    assert b.run(3) == "halted"


def test_checkpoints_fired_are_kept(tmp_path):
    from tui_backprop.config import Note

    config = load_preset("xor").replace(notes=(Note(2, "two"), Note(4, "four")))
    a = Session(config)
    a.pause_after = "none"
    assert a.run(10) == "note" and a.message == "two"
    b = load_session(save_session(a, tmp_path / "s.npz"))
    assert b.message == "two" and b.state_dict()["notes_fired"] == a.state_dict()["notes_fired"]
    assert b.run(10) == "note" and b.message == "four" and b.step_count == 4


def test_live_changes_are_saved(tmp_path):
    a = xor()
    a.run(5)
    a.set_learning_rate(0.37)
    a.set_training(optimizer="rmsprop")
    a.run(5)
    b = load_session(save_session(a, tmp_path / "s.npz"))
    assert b.learning_rate == 0.37 and b.optimizer.name == "rmsprop"
    assert_same_state(a, b)
    a.run(7)
    b.run(7)
    assert_same_state(a, b)


# ---------------------------------------------------------------- atomicity
def _no_temp_files(folder: Path) -> bool:
    return not [p for p in folder.iterdir() if p.name.endswith(".tmp")]


def test_failure_midway_leaves_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "s.npz"
    old = xor()
    old.run(5)
    save_session(old, path)
    before = path.read_bytes()

    calls = {"n": 0}
    real = np.lib.format.write_array

    def dies_midway(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError(28, "No space left on device")
        return real(*args, **kwargs)

    monkeypatch.setattr(np.lib.format, "write_array", dies_midway)
    new = xor()
    new.run(50)
    with pytest.raises(SessionFileError, match="cannot write the session file .No space left on device."):
        save_session(new, path)
    monkeypatch.undo()
    assert calls["n"] == 3
    assert path.read_bytes() == before
    assert load_session(path).step_count == 5
    assert _no_temp_files(tmp_path)


def test_keyboard_interrupt_midway_leaves_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "s.npz"
    save_session(xor(), path)
    before = path.read_bytes()
    monkeypatch.setattr(persist, "_write_archive", lambda f, h, a: (f.write(b"PK partial"), (_ for _ in ()).throw(KeyboardInterrupt()))[0])
    with pytest.raises(KeyboardInterrupt):
        save_session(xor(), path)
    assert path.read_bytes() == before
    assert _no_temp_files(tmp_path)


CHILD = textwrap.dedent("""
    import sys, time
    import numpy as np
    from tui_backprop.config import parse_config
    from tui_backprop.persist import config_to_dict, save_session
    from tui_backprop.presets import load_preset
    from tui_backprop.training.session import Session

    path, mode = sys.argv[1], sys.argv[2]
    raw = config_to_dict(load_preset("xor"))
    raw["network"]["layers"] = [{"units": 400, "activation": "tanh"}, {"units": 400, "activation": "tanh"},
                                {"units": 1, "activation": "sigmoid"}]
    raw["training"]["optimizer"] = "adam"
    session = Session(parse_config(raw, None, "big"))  # ~162k parameters, ~6 MB per save
    session.run(2)
    if mode == "pause":
        real, calls = np.lib.format.write_array, [0]
        def slow(*args, **kwargs):
            calls[0] += 1
            if calls[0] == 3:
                print("MIDWAY", flush=True)
                time.sleep(60)
            return real(*args, **kwargs)
        np.lib.format.write_array = slow
        save_session(session, path)
    else:
        print("LOOPING", flush=True)
        while True:
            session.run(1)
            save_session(session, path)
""")


def _child(tmp_path, path, mode):
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    return subprocess.Popen([sys.executable, str(script), str(path), mode], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def _kill(proc):
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)


def test_sigkill_during_save_leaves_the_old_file(tmp_path):
    path = tmp_path / "s.npz"
    old = xor()
    old.run(5)
    save_session(old, path)
    before = path.read_bytes()
    proc = _child(tmp_path, path, "pause")
    try:
        line = proc.stdout.readline()
        assert line.strip() == "MIDWAY", proc.stderr.read() if proc.poll() is not None else line
        leftovers = [p for p in tmp_path.iterdir() if p.name.startswith(".s.npz.") and p.name.endswith(".tmp")]
        assert leftovers and leftovers[0].stat().st_size > 0  # the new archive is half written
    finally:
        _kill(proc)
    assert proc.returncode == -signal.SIGKILL
    assert path.read_bytes() == before
    assert load_session(path).step_count == 5


def test_sigkill_while_saving_in_a_loop_always_leaves_a_loadable_file(tmp_path):
    path = tmp_path / "s.npz"
    save_session(xor(), path)
    proc = _child(tmp_path, path, "loop")
    try:
        assert proc.stdout.readline().strip() == "LOOPING"
        deadline = 40
        import time

        start = time.monotonic()
        while load_session(path).config.name != "big":  # wait for the child's first save
            assert time.monotonic() - start < deadline and proc.poll() is None
            time.sleep(0.05)
        time.sleep(0.4)
    finally:
        _kill(proc)
    session = load_session(path)
    assert session.config.name == "big" and session.step_count >= 3


def test_save_to_a_missing_folder_or_a_folder_fails_cleanly(tmp_path):
    with pytest.raises(SessionFileError, match="cannot write"):
        save_session(xor(), tmp_path / "nowhere" / "s.npz")
    (tmp_path / "dir.npz").mkdir()
    with pytest.raises(SessionFileError, match="cannot write"):
        save_session(xor(), tmp_path / "dir.npz")
    assert _no_temp_files(tmp_path)


def test_saved_file_gets_ordinary_permissions(tmp_path):
    path = save_session(xor(), tmp_path / "s.npz")
    assert path.stat().st_mode & 0o044  # readable by others, not mkstemp's 0600
    os.chmod(path, 0o640)
    save_session(xor(), path)
    assert path.stat().st_mode & 0o777 == 0o640  # an existing file keeps its permissions


# ------------------------------------------------------------- bad files
def _rewrite(src: Path, dst: Path, header_change=None, drop=None, raw_header: bytes | None = None) -> Path:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "header.json":
                if raw_header is not None:
                    data = raw_header
                elif header_change:
                    header = json.loads(data)
                    header_change(header)
                    data = json.dumps(header).encode()
            if drop and item.filename == drop:
                continue
            zout.writestr(item, data)
    return dst


def _bad_files(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    good = tmp_path / "good.npz"
    s = xor()
    s.run(7)
    save_session(s, good)
    data = good.read_bytes()
    files = {}

    def make(name, content: bytes, expect: str):
        p = tmp_path / f"{name}.npz"
        p.write_bytes(content)
        files[name] = (p, expect)

    make("empty", b"", "not a tui-backprop session file")
    make("text", b"title = 'a preset, not a session'\n", "not a tui-backprop session file")
    make("truncated_half", data[: len(data) // 2], "not a tui-backprop session file")
    make("truncated_end", data[:-1], "not a tui-backprop session file")
    flipped = bytearray(data)
    offset = data.index(s.network.params.tobytes()) + 8  # inside the stored weights
    flipped[offset] ^= 0xFF
    make("flipped_byte", bytes(flipped), "corrupt session file")
    other = tmp_path / "other.npz"
    np.savez(other, params=np.zeros(3))
    files["plain_npz"] = (other, "no header.json")

    def version(v):
        return lambda h: h.update(version=v)

    for name, change, expect in [
        ("newer_version", version(3), "version 3 was written by a newer tui-backprop"),
        ("older_version", version(0), "unsupported session format version 0"),
        ("text_version", version("1"), "unsupported session format version '1'"),
        ("wrong_format", lambda h: h.update(format="something-else"), "format is not 'tui-backprop-session'"),
        ("bad_config", lambda h: h["config"]["training"].update(learning_rate=-1.0),
         "the saved config does not load (training.learning_rate"),
        ("other_data", lambda h: h["data"].update(sha256="0" * 64), "training data no longer matches"),
        ("missing_field", lambda h: h["state"].pop("epoch"), "corrupt session file (missing field 'epoch')"),
        ("bad_rng", lambda h: h.update(shuffle_rng={"bit_generator": "MT19937"}), "corrupt session file"),
        ("bad_phase", lambda h: h["state"].update(phases_done=7), "corrupt session file"),
        ("bad_pause", lambda h: h["state"].update(pause_after="backward L9"), "corrupt session file"),
    ]:
        files[name] = (_rewrite(good, tmp_path / f"{name}.npz", change), expect)
    files["missing_array"] = (_rewrite(good, tmp_path / "missing_array.npz", drop="network.params.npy"),
                              "array 'network.params' is missing")
    files["header_not_json"] = (_rewrite(good, tmp_path / "header_not_json.npz", raw_header=b"{not json"),
                                "the header is not JSON")
    return files


def test_bad_files_give_one_line_errors_and_stay_untouched(tmp_path):
    files = _bad_files(tmp_path)
    for name, (path, expect) in files.items():
        before = path.read_bytes()
        with pytest.raises(SessionFileError) as info:
            load_session(path)
        message = str(info.value)
        assert "\n" not in message, name
        assert message.startswith(f"{path}: "), (name, message)
        assert expect in message, (name, message)
        assert path.read_bytes() == before, name
    with pytest.raises(SessionFileError, match="file not found"):
        load_session(tmp_path / "absent.npz")
    with pytest.raises(SessionFileError, match="is a folder"):
        load_session(tmp_path)


def test_bad_files_exit_2_through_the_cli_and_nothing_is_overwritten(tmp_path, capsys):
    files = _bad_files(tmp_path)
    target = tmp_path / "target.npz"
    save_session(xor(), target)
    target_bytes = target.read_bytes()
    for name in ("truncated_half", "newer_version", "flipped_byte", "wrong_format"):
        path, expect = files[name]
        before = path.read_bytes()
        for argv in (["train", "--resume", str(path), "--steps", "3", "--save", str(target)],
                     ["train", "--resume", str(path), "--steps", "3", "--save", str(path)],
                     ["export", "--resume", str(path), "--network-json", str(target)],
                     ["--resume", str(path)]):
            assert cli.main(argv) == 2, (name, argv)
            err = capsys.readouterr().err
            assert err.count("\n") == 1 and err.startswith("tui-backprop: ") and expect in err, (name, err)
            assert path.read_bytes() == before
            assert target.read_bytes() == target_bytes


# --------------------------------------------------------------------- CLI
def test_cli_save_then_resume_equals_straight(tmp_path, capsys):
    path = tmp_path / "s.npz"
    assert cli.main(["train", "--preset", "xor", "--steps", "27", "--save", str(path)]) == 0
    capsys.readouterr()
    assert cli.main(["train", "--resume", str(path), "--steps", "44", "--json", "--save", str(path)]) == 0
    resumed = json.loads(capsys.readouterr().out)
    assert cli.main(["train", "--preset", "xor", "--steps", "71", "--json"]) == 0
    straight = json.loads(capsys.readouterr().out)
    assert resumed == straight
    assert resumed["steps"] == 71
    assert load_session(path).step_count == 71  # --resume and --save on the same file


def test_cli_resume_refuses_seed(tmp_path, capsys):
    path = save_session(xor(), tmp_path / "s.npz")
    assert cli.main(["train", "--resume", str(path), "--steps", "1", "--seed", "3"]) == 2
    assert "--seed cannot be combined with --resume" in capsys.readouterr().err


def test_cli_trace_refuses_a_mid_step_session(tmp_path, capsys):
    s = xor()
    s.run_phase()
    path = save_session(s, tmp_path / "s.npz")
    assert cli.main(["train", "--resume", str(path), "--steps", "1", "--json", "--trace"]) == 2
    assert "needs a session saved between steps" in capsys.readouterr().err


def test_top_level_resume_opens_the_app_on_the_loaded_session(tmp_path, monkeypatch):
    s = xor()
    s.run(12)
    path = save_session(s, tmp_path / "s.npz")
    seen = fake_app(monkeypatch)
    assert cli.main(["--resume", str(path)]) == 0
    assert seen["ran"] and seen["session"].step_count == 12
    assert seen["config"] == seen["session"].config
    assert np.array_equal(seen["session"].network.params, s.network.params)


def test_export_through_a_link_keeps_the_link_and_writes_its_file(tmp_path):
    real = tmp_path / "real.csv"
    real.write_text("old\n")
    link = tmp_path / "link.csv"
    link.symlink_to(real)
    assert cli.main(["export", "--preset", "xor", "--steps", "3", "--history-csv", str(link)]) == 0
    assert link.is_symlink() and link.resolve() == real
    lines = real.read_text().splitlines()
    assert lines[0].startswith("step") and len(lines) == 4  # a header and three steps


def test_export_into_a_pipe_writes_in_place(tmp_path):
    """A FIFO, /dev/stdout or a terminal is written into, never replaced by a file (as root that
    replaced /dev/stdout itself)."""
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    reader = subprocess.Popen(["cat", str(fifo)], stdout=subprocess.PIPE)
    try:
        assert cli.main(["export", "--preset", "xor", "--steps", "3", "--history-csv", str(fifo)]) == 0
        out, _ = reader.communicate(timeout=10)
    finally:
        reader.kill()
    assert fifo.is_fifo()
    lines = out.decode().splitlines()
    assert lines[0].startswith("step") and len(lines) == 4
