"""A second close request (Enter Enter, Enter Escape) on a dialog that is already closing is ignored."""

import random

import pytest

from tests.conftest import press_at_once, until

from tui_backprop.app.app import BackpropApp
from tui_backprop.app.screens.confirm import ConfirmScreen
from tui_backprop.app.screens.main import MainScreen
from tui_backprop.app.screens.question import QuestionScreen
from tui_backprop.presets import load_preset


def xor_app(questions=False):
    return BackpropApp(load_preset("xor"), questions=questions)


# The keys that open the dialog, then its close key, then the second close key.
DIALOGS = [
    ("picker", ["o", "down"], "enter", "enter"),
    ("picker", ["o", "down"], "enter", "escape"),
    ("edit weight", ["w", "1"], "enter", "enter"),
    ("edit weight", ["w", "1"], "enter", "escape"),
    ("save", ["s"], "enter", "enter"),
    ("save", ["s"], "enter", "escape"),
    ("sweep", ["S", "tab"], "enter", "enter"),
    ("sweep", ["S", "tab"], "enter", "escape"),
    ("help", ["question_mark"], "escape", "escape"),
]


@pytest.mark.parametrize("name, opening, first, second", DIALOGS, ids=[f"{d[0]}-{d[2]}-{d[3]}" for d in DIALOGS])
async def test_a_second_close_key_on_a_closing_dialog_is_ignored(name, opening, first, second, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the save dialog writes next to the current folder
    app = xor_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(*opening)
        await pilot.pause()
        dialog = app.screen
        assert not isinstance(dialog, MainScreen), f"{name} did not open"
        await press_at_once(pilot, first, second)  # the second arrives while the first closes
        await pilot.pause()
        assert dialog not in app.screen_stack
        assert isinstance(app.screen, MainScreen)  # the main view was not popped as well
        await pilot.press("n")  # and the app still works (a crash is raised as the test ends)
        await pilot.pause()


@pytest.mark.parametrize("keys", [["escape", "escape", "enter"], ["escape", "escape", "escape"],
                                  ["escape", "enter", "escape"]])
async def test_question_dialog_closes_once(keys):
    """Skip, then go on, then one key too many: the question closes once and the main view stays."""
    app = xor_app(questions=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("space")  # runs up to the question's phase, then asks
        await until(pilot, lambda: isinstance(app.screen, QuestionScreen))
        dialog = app.screen
        assert isinstance(dialog, QuestionScreen)
        await press_at_once(pilot, *keys)
        await pilot.pause()
        assert dialog not in app.screen_stack
        assert isinstance(app.screen, MainScreen)
        assert app.session.question is None  # answered (skipped) once


@pytest.mark.parametrize("keys", [["y", "n"], ["y", "y"], ["n", "escape"]])
async def test_confirm_dialog_answers_once(keys):
    answers = []
    app = xor_app()
    async with app.run_test(size=(80, 24)) as pilot:
        app.push_screen(ConfirmScreen("Rebuild?"), answers.append)
        await pilot.pause()
        await press_at_once(pilot, *keys)
        assert answers == [keys[0] == "y"]  # the callback ran once, with the first answer
        assert isinstance(app.screen, MainScreen)


async def test_a_burst_of_random_keys_across_dialogs_never_crashes(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    keys = ["o", "w", "s", "S", "enter", "escape", "tab", "down", "up", "1", "n", "question_mark", "space", "y"]
    app = xor_app(questions=True)
    async with app.run_test(size=(80, 24)) as pilot:
        rng = random.Random(7)
        for _ in range(8):
            await press_at_once(pilot, *[rng.choice(keys) for _ in range(25)])
        await pilot.pause()
        app.main.runner.pause()
        assert any(isinstance(s, MainScreen) for s in app.screen_stack)


@pytest.mark.parametrize("key", ["s", "o", "S", "w", "question_mark"])
async def test_a_dialog_key_typed_right_after_q_does_not_crash_the_quit(key):
    """Bug: q then s (typed fast, e.g. 'question' typed into the main view) mounted the save dialog into the
    closing app: NoMatches from its on_mount, exit code 1."""
    app = xor_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.5)  # the app is up
        await press_at_once(pilot, "q", key)
    assert app.return_code == 0
