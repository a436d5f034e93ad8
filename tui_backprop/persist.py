"""Save a whole training session to one file and resume it bit-identically.

The file is a ZIP archive (the ``.npz`` layout NumPy uses): ``header.json``
first, then one ``.npy`` entry per array. ``docs/session-format.md`` describes
every field. In short:

* ``header.json`` holds ``format`` ("tui-backprop-session"), ``version``, the
  config as the same table a preset's TOML parses to, the counters, the
  optimizer's scalars, the shuffling RNG's exact bit-generator state and the
  sizes of the loss-history series;
* the arrays are the flat parameters, the optimizer's state, the shuffle order
  and the loss history, stored exactly (float64, no rounding).

Writes are atomic: the archive is written to a temporary file in the same
folder, flushed to disk, then renamed over the target, so a crash or a kill
during a save leaves the previous file intact (at worst a stray
``.NAME.*.tmp`` file stays behind).

Saving in the middle of a step (say, paused after backward) works: loading
replays the phases already run on the same batch, then puts back the saved
loss and gradients. A lesson's progress is in ``persist_lesson.py``.

Every problem reading a file is a ``SessionFileError``: one line naming the
file and what is wrong. Loading never writes anything.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import stat
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import IO

import numpy as np

from tui_backprop import __version__
from tui_backprop.config import Config, ConfigError, config_to_dict, parse_config, resolve_phase, step_phases
from tui_backprop.persist_lesson import lesson_header, read_lesson

FORMAT = "tui-backprop-session"
VERSION = 2  # 2: phases one layer at a time (version 1 counted four phases a step; still read)
HEADER = "header.json"
SERIES = ("train", "test", "train_full", "accuracy")
RANGE_ARRAYS = ("low", "high", "first", "last")  # per loss-history bucket


class SessionFileError(ConfigError):
    """A session file that cannot be read (or written): one line, naming the file."""

    def __init__(self, path: str | Path, message: str):
        super().__init__(path, "", message)


# ------------------------------------------------------------ atomic writing
def _new_file_mode(path: Path) -> int:
    try:
        return path.stat().st_mode & 0o7777  # keep an existing file's permissions
    except OSError:
        pass
    umask = 0o022
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                umask = int(line.split()[1], 8)
    return 0o666 & ~umask


def atomic_write(path: str | Path, write: Callable[[IO[bytes]], None]) -> Path:
    """Write a file so that readers see the old content or the new, never a mix.

    ``write(f)`` fills a temporary file in the target's folder; it is flushed
    and fsynced, then renamed over ``path``. If anything fails (or the
    process dies) before the rename, ``path`` is untouched.
    """
    path = Path(path)
    try:
        kind = os.stat(path).st_mode  # follows links
    except FileNotFoundError:
        kind = None
    if kind is not None and not stat.S_ISREG(kind) and not stat.S_ISDIR(kind):
        # A pipe, a terminal, /dev/stdout: there is nothing to replace, so write straight in.
        with open(path, "wb") as f:
            write(f)
            f.flush()
        return path
    if path.is_symlink():  # replace the file the link points at and keep the link
        path = Path(os.path.realpath(path))
    folder = path.parent if str(path.parent) else Path(".")
    mode = _new_file_mode(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    with contextlib.suppress(OSError):  # make the rename itself durable
        dir_fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    return path


def check_writable(path: str | Path) -> None:
    """Raise the OSError ``atomic_write(path, …)`` would meet for want of a folder or permission, before the
    work that fills the file (a long run) is done."""
    path = Path(os.path.realpath(path))
    if path.is_dir():
        raise IsADirectoryError(21, "Is a directory")
    if path.exists() and not path.is_file():
        return  # a pipe or a terminal is written straight in
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    os.unlink(tmp)


def write_text_atomic(path: str | Path, text: str) -> Path:
    return atomic_write(path, lambda f: f.write(text.encode("utf-8")))


# --------------------------------------------------------------- the content
def _float_out(value) -> float | str | None:
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else repr(value)  # "nan", "inf", "-inf"


def _float_in(value) -> float | None:
    if value is None:
        return None
    if isinstance(value, str):
        if value not in ("nan", "inf", "-inf"):
            raise ValueError(f"expected a number, got {value!r}")
        return float(value)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"expected a number, got {value!r}")
    return float(value)


def data_digest(session) -> str:
    """sha256 over the training and test arrays: tells whether the data came back the same."""
    h = hashlib.sha256()
    d = session.data
    for arr in (d.x_train, d.y_train, d.x_test, d.y_test):
        arr = np.ascontiguousarray(arr, dtype=np.float64)
        h.update(repr(arr.shape).encode())
        h.update(arr.tobytes())
    return h.hexdigest()


def _session_state(session) -> tuple[dict, dict[str, np.ndarray]]:
    state = session.state_dict()
    o = state["optimizer"]
    phases_done = int(state["phases_done"])
    arrays: dict[str, np.ndarray] = {
        "network.params": state["params"],
        "network.initial_params": state["initial_params"],
        "optimizer.last_update": o["last_update"],
        "optimizer.previous_params": o["previous_params"],
        "shuffle.order": state["order"],
        "network.grads": state["grads"],
    }
    for name, arr in o["state"].items():
        arrays[f"optimizer.state.{name}"] = arr
    series = {}
    for name in SERIES:
        st = state["history"][name]
        arrays[f"history.{name}.x"] = st["x"]
        arrays[f"history.{name}.y"] = st["y"]
        for key in RANGE_ARRAYS:  # the buckets' min, max and steps covered
            arrays[f"history.{name}.{key}"] = st[key]
        series[name] = {"capacity": st["capacity"], "tail": st["tail"], "total": int(st["total"]),
                        "points": len(st["x"]), "head": int(st["head"]), "buckets": len(st["low"])}
    halted = state["halted"]
    header = {
        "format": FORMAT,
        "version": VERSION,
        "written_by": f"tui-backprop {__version__}",
        "config_name": state["config"].name,
        "config_path": state["config"].path,
        "config": config_to_dict(state["config"]),
        "data": {"sha256": data_digest(session), "train_samples": len(session.data.x_train),
                 "test_samples": len(session.data.x_test)},
        "state": {
            "step_count": int(state["step_count"]),
            "epoch": int(state["epoch"]),
            "batch_in_epoch": int(state["batch_in_epoch"]),
            "phases_done": phases_done,
            "last_phase": session.last_phase,
            "loss": _float_out(state["loss"]),
            "train_loss": _float_out(state["train_loss"]),
            "test_loss": _float_out(state["test_loss"]),
            "accuracy": _float_out(state["accuracy"]),
            "pause_after": state["pause_after"],
            "use_notes": bool(state["use_notes"]),
            "message": state["message"],
            "notes_fired": [[int(step), phase] for step, phase in state["notes_fired"]],
            "halted": None if halted is None else {"step": halted.step, "phase": halted.phase,
                                                   "layer": halted.layer, "what": halted.what},
            "weights_edited": bool(state["weights_edited"]),
        },
        "optimizer": {
            "name": o["name"],
            "steps": int(o["steps"]),
            "learning_rate": float(o["learning_rate"]),
            "regularization": o["regularization"],
            "regularization_rate": float(o["regularization_rate"]),
            "settings": {k: float(v) for k, v in sorted(o["settings"].items())},
            "state_arrays": sorted(o["state"]),
        },
        "shuffle_rng": state["shuffle_rng"],
        "history": series,
        "arrays": sorted(arrays),
        "lesson": lesson_header(session, state),  # goals met, questions answered, the lesson's own settings
    }
    return header, arrays


def _write_archive(f: IO[bytes], header: dict, arrays: dict[str, np.ndarray]) -> None:
    with zipfile.ZipFile(f, "w", compression=zipfile.ZIP_STORED) as zf:
        zf.writestr(HEADER, json.dumps(header, indent=1, allow_nan=False).encode("utf-8"))
        for name in sorted(arrays):
            arr = np.asarray(arrays[name])
            with zf.open(name + ".npy", "w", force_zip64=arr.nbytes > (1 << 30)) as entry:
                np.lib.format.write_array(entry, arr, allow_pickle=False)


def save_session(session, path: str | Path) -> Path:
    """Write the whole session to ``path`` atomically (see the module docstring)."""
    path = Path(path)
    header, arrays = _session_state(session)
    try:
        return atomic_write(path, lambda f: _write_archive(f, header, arrays))
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise SessionFileError(path, f"cannot write the session file ({reason})") from None


# ------------------------------------------------------------------- reading
def _read_header(zf: zipfile.ZipFile) -> dict:
    try:
        raw = zf.read(HEADER)
    except KeyError:
        raise ValueError("not a tui-backprop session file (no header.json)") from None
    try:
        header = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ValueError("not a tui-backprop session file (the header is not JSON)") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise ValueError(f"not a tui-backprop session file (format is not {FORMAT!r})")
    version = header.get("version")
    if isinstance(version, bool) or not isinstance(version, int):
        raise ValueError(f"unsupported session format version {version!r}; "
                         f"this tui-backprop reads versions 1 to {VERSION}")
    if version > VERSION:
        raise ValueError(f"session format version {version} was written by a newer tui-backprop; "
                         f"this one reads versions 1 to {VERSION}")
    if version < 1:
        raise ValueError(f"unsupported session format version {version}; this tui-backprop reads versions 1 to {VERSION}")
    return header


def _read_array(zf: zipfile.ZipFile, name: str, dtype, shape=None) -> np.ndarray:
    try:
        with zf.open(name + ".npy") as entry:
            arr = np.lib.format.read_array(entry, allow_pickle=False)
    except KeyError:
        raise ValueError(f"array {name!r} is missing") from None
    if arr.dtype != np.dtype(dtype):
        raise ValueError(f"array {name!r} has dtype {arr.dtype}, expected {np.dtype(dtype)}")
    if shape is not None and arr.shape != tuple(shape):
        raise ValueError(f"array {name!r} has shape {arr.shape}, expected {tuple(shape)}")
    return arr


def _restore(zf: zipfile.ZipFile, header: dict, path: Path):
    from tui_backprop.training.session import NanReport, Session

    try:
        config = parse_config(header["config"], header.get("config_path"), header.get("config_name") or "custom")
        lesson, progress, questions_on = read_lesson(header, config, path, SessionFileError)
        session = Session(config, lesson=lesson)
    except SessionFileError:
        raise
    except ConfigError as exc:
        what = f"{exc.field}: {exc.message}" if exc.field else exc.message
        raise SessionFileError(path, f"the saved config does not load ({what})") from None
    if header["data"]["sha256"] != data_digest(session):
        raise SessionFileError(path, "the training data no longer matches the saved session "
                               "(was the CSV file or the data generator changed?)")
    net = session.network
    state, o = header["state"], header["optimizer"]
    if o["name"] != config.training.optimizer:
        raise ValueError(f"optimizer {o['name']!r} does not match the config's {config.training.optimizer!r}")
    size = net.params.shape
    depth = len(net.layers)
    phases_done = int(state["phases_done"])
    if header["version"] == 1:  # four phases a step: forward, loss, backward, update
        if not 0 <= phases_done <= 3:
            raise ValueError(f"phases_done must be 0 to 3, got {phases_done}")
        phases_done = (0, depth, depth + 1, 2 * depth + 1)[phases_done]
    last_phase = state["last_phase"]
    if last_phase is not None and resolve_phase(last_phase, depth) not in step_phases(depth):
        raise ValueError(f"unknown phase {last_phase!r}")
    history = {}
    for name in SERIES:
        info = header["history"][name]
        x = _read_array(zf, f"history.{name}.x", np.float64, (int(info["points"]),))
        y = _read_array(zf, f"history.{name}.y", np.float64, x.shape)
        history[name] = {"x": x, "y": y, "total": int(info["total"]),
                         "capacity": int(info["capacity"]), "tail": int(info["tail"])}
        if "head" in info:  # files from before the history kept a head and ranges have neither
            history[name]["head"] = int(info["head"])
            for key in RANGE_ARRAYS:
                history[name][key] = _read_array(zf, f"history.{name}.{key}", np.float64, (int(info["buckets"]),))
    message = state["message"]
    h = state["halted"]
    session.load_state_dict({
        "config": config,
        "step_count": int(state["step_count"]),
        "epoch": int(state["epoch"]),
        "batch_in_epoch": int(state["batch_in_epoch"]),
        "phases_done": phases_done,
        "loss": _float_in(state["loss"]),
        "train_loss": _float_in(state["train_loss"]),
        "test_loss": _float_in(state["test_loss"]),
        "accuracy": _float_in(state["accuracy"]),
        "pause_after": state["pause_after"],
        # Files written before lesson notes had their name say "checkpoints".
        "use_notes": bool(state["use_notes"] if "use_notes" in state else state["use_checkpoints"]),
        "message": None if message is None else str(message),
        "notes_fired": [(int(step), str(phase))
                        for step, phase in state.get("notes_fired", state.get("checkpoints_fired", []))],
        "halted": None if h is None else NanReport(int(h["step"]), str(h["phase"]),
                                                   None if h["layer"] is None else int(h["layer"]), str(h["what"])),
        "weights_edited": bool(state.get("weights_edited", False)),
        "params": _read_array(zf, "network.params", np.float64, size),
        "initial_params": _read_array(zf, "network.initial_params", np.float64, size),
        "grads": (_read_array(zf, "network.grads", np.float64, size) if "network.grads.npy" in zf.namelist()
                  else np.zeros(size)),  # version 1 kept them only mid-step
        "optimizer": {
            "name": o["name"],
            "steps": int(o["steps"]),
            "learning_rate": float(o["learning_rate"]),
            "regularization": str(o["regularization"]),
            "regularization_rate": float(o["regularization_rate"]),
            "settings": {str(k): float(v) for k, v in o["settings"].items()},
            "state": {name: _read_array(zf, f"optimizer.state.{name}", np.float64, size)
                      for name in o["state_arrays"]},
            "last_update": _read_array(zf, "optimizer.last_update", np.float64, size),
            "previous_params": (_read_array(zf, "optimizer.previous_params", np.float64, size)
                                if "optimizer.previous_params.npy" in zf.namelist() else None),
        },
        "shuffle_rng": header["shuffle_rng"],
        "order": _read_array(zf, "shuffle.order", np.int64, (len(session.data.x_train),)),
        "history": history,
        **progress,
    })
    session.ask_questions = questions_on  # (the app asks them; a headless run never does)
    return session


def load_session(path: str | Path):
    """Read a session file written by ``save_session``; raises ``SessionFileError`` on any problem."""
    path = Path(path)
    try:
        zf = zipfile.ZipFile(path)
    except FileNotFoundError:
        raise SessionFileError(path, "file not found") from None
    except IsADirectoryError:
        raise SessionFileError(path, "is a folder, not a session file") from None
    except OSError as exc:
        raise SessionFileError(path, f"cannot read the file ({exc.strerror or exc})") from None
    except (zipfile.BadZipFile, ValueError, EOFError):
        raise SessionFileError(path, "not a tui-backprop session file (not a ZIP archive, or truncated)") from None
    with zf:
        try:
            header = _read_header(zf)
            with np.errstate(all="ignore"):
                return _restore(zf, header, path)
        except SessionFileError:
            raise
        except (KeyError, TypeError, ValueError, AttributeError, IndexError, EOFError, OSError,
                zipfile.BadZipFile, zipfile.LargeZipFile) as exc:
            if isinstance(exc, ValueError) and str(exc).startswith(("not a tui-backprop", "unsupported session",
                                                                     "session format version")):
                raise SessionFileError(path, str(exc)) from None
            detail = str(exc) if not isinstance(exc, KeyError) else f"missing field {exc}"
            raise SessionFileError(path, f"corrupt session file ({detail})") from None
