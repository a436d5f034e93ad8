import os

import pytest

os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")


@pytest.fixture(autouse=True)
def _isolated_user_presets(tmp_path, monkeypatch):
    """Tests never read or write the real user's config folder."""
    monkeypatch.setenv("TUI_BACKPROP_CONFIG_DIR", str(tmp_path / "config"))


def inline_config(weights, x, y, *, loss="mse", optimizer="sgd", learning_rate=0.1, biases=None,
                  activation="linear", batch_size="full", **training):
    """A one-layer preset written in Python, for tests."""
    from tui_backprop.config import parse_config

    layer = {"units": len(weights), "activation": activation, "weights": weights}
    if biases is None:
        layer["bias"] = False
    else:
        layer["biases"] = biases
    raw = {
        "network": {"inputs": len(x[0]), "layers": [layer]},
        "data": {"source": "inline", "x": x, "y": y},
        "training": {"loss": loss, "optimizer": optimizer, "learning_rate": learning_rate,
                     "batch_size": batch_size, **training},
    }
    return parse_config(raw, "test.toml")


def preset_session(name: str = "xor", steps: int = 0, *, headless: bool = False, **training):
    """A session of a shipped preset (its [training] changed by ``training``), run ``steps`` steps.

    ``headless``: no pause point and no lesson notes, as the CLI and benchmarks run it.
    """
    from tui_backprop.presets import load_preset
    from tui_backprop.training import Session

    config = load_preset(name)
    if training:
        config = config.replace("training", **training)
    session = Session.headless(config) if headless else Session(config)
    if steps:
        session.run(steps)
    return session


def assert_same_state(a, b) -> None:
    """Two sessions' ``state_dict()`` equal bit for bit: the rest of their runs will be the same."""
    import numpy as np

    def same(x, y, where):
        if isinstance(x, dict):
            assert isinstance(y, dict) and x.keys() == y.keys(), where
            for key in x:
                same(x[key], y[key], f"{where}.{key}")
        elif isinstance(x, np.ndarray):
            assert isinstance(y, np.ndarray) and x.shape == y.shape and np.array_equal(x, y), where
        elif isinstance(x, float) and isinstance(y, float) and x != x and y != y:
            pass  # both NaN
        else:
            assert x == y, where

    same(a.state_dict(), b.state_dict(), "state")


async def until(pilot, predicate, timeout: float = 5.0, poll: float = 0.01) -> bool:
    """Let the app run until ``predicate()`` holds or ``timeout`` seconds pass; whether it holds (assert it)."""
    import time

    deadline = time.monotonic() + timeout
    while not predicate() and time.monotonic() < deadline:
        await pilot.pause(poll)
    return bool(predicate())


async def wait_until_stopped(pilot, app, timeout: float = 10.0) -> None:
    """Await the main view's training worker: the runner ends after its current step (no polling)."""
    await finished(app.main._worker, timeout)
    await pilot.pause()  # its last snapshot drawn


async def finished(worker, timeout: float = 10.0) -> None:
    """Wait for a Textual worker to end, however it ends (done, cancelled or failed)."""
    import asyncio

    if worker is None:
        return
    try:
        await asyncio.wait_for(worker.wait(), timeout)
    except asyncio.TimeoutError:
        raise AssertionError(f"the training worker was still running after {timeout} s") from None
    except Exception:  # noqa: BLE001 - WorkerCancelled / WorkerFailed: it has ended too
        pass


async def pause_latencies(pilot, app, runs: int = 3, run_for: float = 0.8, while_running=None) -> list[float]:
    """Run and pause ``runs`` times; the seconds from each pause request to the paused session, sorted."""
    latencies = []
    for _ in range(runs):
        await pilot.press("space")
        await pilot.pause(run_for)
        assert app.runner.running
        if while_running is not None:
            while_running()
        await pilot.press("space")
        await wait_until_stopped(pilot, app)
        assert not app.runner.running
        latencies.append(app.runner.paused_at - app.runner.pause_requested_at)
    return sorted(latencies)


async def press_at_once(pilot, *keys: str) -> None:
    """Send keys as a fast typist or a paste does: all queued before the app handles the first.

    ``pilot.press`` waits for the app to go idle after each key, so it never sees a key arrive
    while a dialog is still closing (or opening). Each key carries its character as ``pilot.press``
    gives it ("minus" types "-"); returns once the keys waiting for a screen (type-ahead) are handled.
    """
    import asyncio
    import unicodedata

    from textual import events
    from textual.keys import REPLACED_KEYS, _character_to_key, _get_unicode_name_from_key

    app = pilot.app
    driver = app._driver
    for key in keys:
        if len(key) == 1 and not key.isalnum():
            key = _character_to_key(key)
        char = {"space": " ", "enter": "\r", "tab": "\t", "escape": "\x1b"}.get(key)
        if char is None:
            try:
                char = unicodedata.lookup(_get_unicode_name_from_key(REPLACED_KEYS.get(key, key)))
            except KeyError:
                char = key if len(key) == 1 else None
        event = events.Key(key, char)
        event.set_sender(app)
        driver.send_message(event)
    await pilot.pause()
    type_ahead = getattr(app, "type_ahead", None)
    for _ in range(300):
        if type_ahead is None or not type_ahead.waiting:
            break
        await asyncio.sleep(0.01)
    await pilot.pause()


def fake_app(monkeypatch) -> dict:
    """The app's class replaced by one that records how it was opened (config, session, questions, ran)."""
    seen = {}

    class FakeApp:
        return_code = 0

        def __init__(self, config, session=None, served=False, questions=True):
            seen["config"], seen["session"], seen["questions"] = config, session, questions

        def run(self, mouse=True):
            seen["ran"] = True

    import tui_backprop.app.app as app_module

    monkeypatch.setattr(app_module, "BackpropApp", FakeApp)
    return seen
