"""QA8 B2: quit and --resume: the lesson pane reads as it did before the save (goals met, the line saying the run
is not the lesson's, the question score, the sweep's seed in the title)."""

from tests.conftest import until
from tui_backprop.app.app import BackpropApp
from tui_backprop.app.screens.question import QuestionScreen
from tui_backprop.app.widgets.lesson_pane import LessonPane
from tui_backprop.persist import load_session, save_session
from tui_backprop.presets import load_preset
from tui_backprop.training.session import Session


def resumed_app(session: Session, tmp_path, **kwargs) -> BackpropApp:
    loaded = load_session(save_session(session, tmp_path / "run.npz"))
    return BackpropApp(loaded.config, session=loaded, **kwargs)


def pane_text(app) -> str:
    return app.query_one(LessonPane).text()


async def test_a_solved_challenge_comes_back_solved_and_not_the_lessons(tmp_path):
    lesson = load_preset("challenge-learning-rate")
    s = Session(lesson)
    s.set_learning_rate(0.1)  # + five times
    s.pause_after = "none"
    s.run(800)  # the goal is met at step 800 (the run stops there to say so)
    app = resumed_app(s, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        text = pane_text(app)
        assert "Goals[/b] (1 of 1 met: solved!)" in text and "test loss ≤ 0.15 within 100 epochs (step 800)" in text
        assert "Your run: lr 0.1, not 0.0001" in text  # before: no such line, the lesson saying 0.0001
        assert app.screen.query_one("#side").border_title == "challenge-learning-rate (changed)"


async def test_a_sweep_seed_keeps_its_name_and_its_line(tmp_path):
    lesson = load_preset("challenge-learning-rate")
    s = Session(lesson.replace("training", learning_rate=0.1).with_seed(4), lesson=lesson)  # Enter on seed 4's row
    app = resumed_app(s, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert app.screen.query_one("#side").border_title == "challenge-learning-rate (changed) · seed 4"
        assert "Your run: lr 0.1, not 0.0001, seed 4, not 1" in pane_text(app)


async def test_the_question_score_and_revealed_answers_come_back(tmp_path):
    app = BackpropApp(load_preset("chain-two-weights"))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("n")
        await pilot.pause()
        await pilot.press("minus", "4", "8", "enter")  # right
        await pilot.pause()
        await pilot.press("enter")  # on: the second question
        assert await until(pilot, lambda: isinstance(app.screen, QuestionScreen) and
                           "new w1" in str(app.screen.query_one("#question-prompt").render()))
        await pilot.press("escape")  # skipped
        await pilot.pause()
        await pilot.press("escape")
        assert await until(pilot, lambda: not isinstance(app.screen, QuestionScreen))
        before = pane_text(app)
        assert "Questions[/b]: 1 of 2 correct, 1 skipped" in before
        session = app.session
    app = resumed_app(session, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        after = pane_text(app)
        assert "Questions[/b]: 1 of 2 correct, 1 skipped" in after  # before: "none asked yet"
        assert "−48" in after and "3.48" in after  # shown, not "?"
        assert after == before


async def test_the_title_says_changed_as_soon_as_the_learning_rate_is_and_not_after_it_is_put_back():
    """The title said "(changed)" only after a rebuild, so a run resumed after + read otherwise than before its save."""
    app = BackpropApp(load_preset("challenge-learning-rate"))
    async with app.run_test(size=(80, 24)) as pilot:
        side = app.screen.query_one("#side")
        assert side.border_title == "challenge-learning-rate"
        await pilot.press("plus")
        assert await until(pilot, lambda: app.session.learning_rate == 0.001)
        assert await until(pilot, lambda: side.border_title == "challenge-learning-rate (changed)")
        await pilot.press("minus")
        assert await until(pilot, lambda: side.border_title == "challenge-learning-rate")
        assert app.session.learning_rate == 0.0001
