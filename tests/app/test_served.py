"""Served in a browser (``--served``): the app never writes or reads the server's files for a visitor."""

from __future__ import annotations

import io
import json
import shutil
import tempfile

import pytest
from textual.widgets import Button, Checkbox, Input

from tui_backprop.app.app import BackpropApp
from tui_backprop.app.widgets import config_form
from tui_backprop.app.widgets.config_form import ConfigForm
from tui_backprop.persist import load_session
from tui_backprop.presets import load_preset, shipped_dir


@pytest.fixture
def sandbox(tmp_path, monkeypatch):
    """A working folder, a home and the temporary folder, all inside tmp_path, so any write shows."""
    for name in ("cwd", "home", "tmp", "outside"):
        (tmp_path / name).mkdir()
    monkeypatch.chdir(tmp_path / "cwd")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    return tmp_path


def files_under(folder) -> list:
    return sorted(p for p in folder.rglob("*") if p.is_file())


def served_app():
    app = BackpropApp(load_preset("xor"), served=True, questions=False)
    app.delivered = []  # what went to the browser: (file name, bytes)

    def deliver_binary(file, *, save_filename, **_):
        app.delivered.append((save_filename, file.read()))
        return "key"

    app.deliver_binary = deliver_binary
    return app


async def test_the_served_save_screen_offers_downloads_only(sandbox):
    app = served_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("n", "n", "n", "s")
        await pilot.pause()
        screen = app.screen
        assert type(screen).__name__ == "SaveScreen" and screen.border_title == "Download"
        assert not screen.query(Checkbox) and not screen.query("#save-button")
        assert [b.id for b in screen.query(Button)] == ["download-session", "download-history",
                                                        "download-network", "download-pytorch"]
        assert screen.query_one("#save-path", Input).value == "xor-step3"  # a name, not a path
        await pilot.press("enter")  # from the name to the first button
        assert app.focused.id == "download-session"
        await pilot.press("enter", "tab", "enter", "tab", "enter", "tab", "enter")
        await pilot.pause()
        assert "Sent xor-step3.py" in str(screen.query_one("#download-message").render())
        await pilot.press("escape")
    names = [name for name, _ in app.delivered]
    assert names == ["xor-step3.npz", "xor-step3.csv", "xor-step3.json", "xor-step3.py"]
    files = dict(app.delivered)
    (sandbox / "tmp" / "check.npz").write_bytes(files["xor-step3.npz"])
    assert load_session(sandbox / "tmp" / "check.npz").step_count == 3  # a real session, 3 steps in
    assert len(files["xor-step3.csv"].decode().splitlines()) == 4  # header + 3 steps
    assert len(json.loads(files["xor-step3.json"])["layers"]) == 2
    assert b"import torch" in files["xor-step3.py"]
    (sandbox / "tmp" / "check.npz").unlink()
    assert files_under(sandbox) == []  # built in temporary folders, which are gone


@pytest.mark.parametrize("typed", ["{outside}/run", "../run", "~/run", "sub/run", "..", "run\\x"])
async def test_a_typed_path_cannot_make_the_served_app_write_anywhere(sandbox, typed):
    app = served_app()
    typed = typed.format(outside=sandbox / "outside")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("s")
        await pilot.pause()
        screen = app.screen
        screen.query_one("#save-path", Input).value = typed
        await pilot.press("enter")  # refused in place: the focus stays in the name field
        assert app.focused.id == "save-path"
        assert "a name, not a path" in str(screen.query_one("#download-message").render())
        for button in screen.query(Button):
            button.press()
            await pilot.pause()
            assert "a name, not a path" in str(screen.query_one("#download-message").render())
    assert app.delivered == []
    assert files_under(sandbox) == []
    assert not (sandbox / "run.npz").exists()


async def test_a_path_typed_into_the_served_config_form_or_picker_opens_no_server_file(sandbox):
    data = sandbox / "outside" / "points.csv"
    data.write_text("x1,x2,label\n0,0,0\n0,1,1\n1,0,1\n1,1,0\n")
    evil = sandbox / "outside" / "evil.toml"
    shutil.copy(shipped_dir() / "xor.toml", evil)
    app = served_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()  # the form is mounted just after the first frame
        form = app.query_one(ConfigForm)
        for field in form.query(Input):
            field.value = str(data)
        form.query_one("#apply", Button).press()
        await pilot.pause()
        assert app.session.config.data.source == "xor" and app.session.config.data.path is None
        # A form that could name a file (as a future field might) is refused at the dataset field.
        real = config_form.config_to_dict
        config_form.config_to_dict = lambda c: {**real(c), "data": {**real(c)["data"], "path": str(data)}}
        try:
            form.load(app.config)
            form.query_one("#apply", Button).press()
            await pilot.pause()
        finally:
            config_form.config_to_dict = real
        assert "not a file path" in str(form.query_one("#dataset-error").render())
        assert app.session.config.data.path is None
        await pilot.press("o")  # the picker lists the shipped and the teacher's presets; a path only filters
        await pilot.pause()
        app.screen.query_one("#filter", Input).value = str(evil)
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert all(p.origin in ("shipped", "user") for p in app.screen.presets)
        await pilot.press("escape")
    assert app.config.path != evil and app.config.name == "xor"


async def test_the_unserved_app_still_saves_to_a_path(tmp_path):
    app = BackpropApp(load_preset("xor"))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("s")
        await pilot.pause()
        assert app.screen.query(Checkbox) and not app.screen.query(".download")
        app.screen.query_one("#save-path", Input).value = str(tmp_path / "run")
        await pilot.press("enter")
        await pilot.pause()
    assert (tmp_path / "run.npz").is_file() and (tmp_path / "run.csv").is_file()
