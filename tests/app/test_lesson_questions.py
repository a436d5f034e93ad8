"""Lessons that ask, check their goals and lock knobs, driven by keys as a learner would."""

from tests.conftest import until
from tui_backprop.app.app import BackpropApp
from tui_backprop.app.screens.question import QuestionScreen
from tui_backprop.app.widgets.lesson_pane import LessonPane
from tui_backprop.presets import load_preset


def chain_app(**kwargs):
    return BackpropApp(load_preset("chain-two-weights"), **kwargs)


def visible_text(app) -> str:
    """What the panes behind the prompt say: inspector, status, lesson and notice."""
    inspector = app.query_one("#inspector").build_text()[0].plain
    return "\n".join([inspector, app.query_one("#status").render().plain, str(app.query_one(LessonPane).render()),
                      str(app.query_one("#notice").render())])


def result_text(app) -> str:
    return str(app.screen.query_one("#question-result").render())


async def test_pilot_predict_then_reveal_minus_48():
    app = chain_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, QuestionScreen)
        assert str(app.screen.query_one("#question-prompt").render()).startswith("Predict ∂C/∂w1")
        assert app.session.last_phase == "loss"  # backward has not run: nothing can show −48
        shown = visible_text(app)
        assert "−48" not in shown and "-48" not in shown
        assert "= ?" in str(app.query_one(LessonPane).render())
        await pilot.press("minus", "4", "8", "enter")
        await pilot.pause()
        said = result_text(app)
        assert "correct" in said and "−48" in said and "w2 = 4" in said  # the explanation
        assert app.session.last_phase == "backward L1"
        assert app.session.network.layers[0].grad_weights[0, 0] == -48.0
        assert "Questions: 1 of 1 correct (1 to come)" in str(app.query_one(LessonPane).render())  # QA8 C1
        await pilot.press("enter")  # go on: the next question, the new w1, before the update
        await pilot.pause()
        assert isinstance(app.screen, QuestionScreen)
        assert "new w1" in str(app.screen.query_one("#question-prompt").render())
        assert "3.48" not in visible_text(app)
        await pilot.press("3", ".", "5", "enter")
        await pilot.pause()
        assert "off by +0.02: the value is 3.48" in result_text(app)
        assert app.session.step_count == 1 and app.session.network.layers[0].weights[0, 0] == 3.48
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, QuestionScreen)
        pane = str(app.query_one(LessonPane).render())
        assert "Questions: 1 of 2 correct" in pane and "−48" in pane and "3.48" in pane  # revealed


async def test_a_wrong_answer_shows_the_difference_and_escape_skips():
    app = chain_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("n")
        await pilot.pause()
        await pilot.press("minus", "4", "0", "enter")
        await pilot.pause()
        assert "off by +8: the value is −48" in result_text(app)
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("escape")  # skip the second question
        await pilot.pause()
        said = result_text(app)
        assert "Skipped. The answer: 3.48" in said and "w1 − 0.01" in said
        await pilot.press("escape")
        await pilot.pause()
        assert "Questions: 0 of 2 correct, 1 skipped" in str(app.query_one(LessonPane).render())


async def test_y_and_the_flag_switch_questions_off():
    app = chain_app(questions=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("n")
        await pilot.pause()
        assert not isinstance(app.screen, QuestionScreen) and app.session.last_phase == "backward L1"
    app = chain_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("y", "n")
        await pilot.pause()
        assert not isinstance(app.screen, QuestionScreen) and app.session.last_phase == "backward L1"
        assert "questions off" in str(app.query_one(LessonPane).render())
        await pilot.press("y", "r", "n")
        await pilot.pause()
        assert isinstance(app.screen, QuestionScreen)


async def test_a_question_stops_a_run_and_the_run_goes_on_after_the_answer():
    app = BackpropApp(load_preset("dead-relu"))  # asks at step 11, before backward
    async with app.run_test(size=(100, 30)) as pilot:
        for _ in range(200):  # space, and again after the note at step 10
            if not app.runner.running and not isinstance(app.screen, QuestionScreen):
                await pilot.press("space")
            await pilot.pause(0.05)
            if isinstance(app.screen, QuestionScreen):
                break
        assert isinstance(app.screen, QuestionScreen) and app.session.step_count == 10
        await pilot.press("0", "enter")
        await pilot.pause()
        assert "correct" in result_text(app)
        await pilot.press("enter")
        assert await until(pilot, lambda: app.session.step_count > 11)  # running again
        await pilot.press("space")


async def test_goals_hints_and_solution_in_the_lesson_pane():
    app = BackpropApp(load_preset("challenge-learning-rate"))
    async with app.run_test(size=(100, 30)) as pilot:
        pane = app.query_one(LessonPane)
        assert "✗ test loss ≤ 0.15 within 100 epochs" in str(pane.render())
        await pilot.press("i")
        assert "Hint 1" in str(pane.render()) and "Hint 2" not in str(pane.render())
        await pilot.press("u")
        assert "Solution" in str(pane.render()) and app.session.learning_rate == 0.0001
        await pilot.press("u")
        await pilot.pause()
        assert app.session.learning_rate == 0.3 and app.session.step_count == 0
        for _ in range(30):
            await pilot.press("e")
        await pilot.pause()
        text = str(app.query_one(LessonPane).render())
        assert "✓ test loss ≤ 0.15 within 100 epochs (step 290)" in text and "solved!" in text


async def test_locked_keys_say_why_and_locked_fields_cannot_change():
    app = BackpropApp(load_preset("challenge-learning-rate"))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("d", "w")
        await pilot.pause()
        notes = [n.message for n in app._notifications]
        assert sum("Locked by this lesson" in m and "Only the learning rate" in m for m in notes) == 2
        await pilot.press("plus")
        assert app.session.learning_rate == 0.001  # the knob the class turns
        await pilot.press("c")
        assert app.query_one("#hidden").disabled and app.query_one("#dataset").disabled
        assert not app.query_one("#learning_rate").disabled
        assert "Locked by this lesson" in str(app.query_one("#locks-note").render())


async def test_training_keys_typed_into_the_answer_box_are_refused():
    """QA: a burst of n presses as the box opened became the answer 'nnnnnn'."""
    app = chain_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, QuestionScreen)
        await pilot.press("n", "n", "p", "space", "minus", "4", "8")
        assert app.screen.query_one("#question-answer").value == "-48"


async def test_stepping_back_before_a_question_hides_its_answer_again():
    """QA: after ⌫ to step 0 the lesson still showed the revealed −48 and 3.48 while asking again."""
    app = chain_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("n")
        await pilot.pause()
        await pilot.press("minus", "4", "8", "enter", "enter")  # answered; the next question
        await pilot.pause()
        await pilot.press("3", ".", "4", "8", "enter", "escape")
        await pilot.pause()
        pane = app.query_one(LessonPane)
        assert app.session.step_count == 1 and "−48" in str(pane.render())
        await pilot.press("backspace")
        await pilot.pause()
        assert app.session.step_count == 0
        text = str(pane.render())
        assert "−48" not in text and "3.48" not in text and "Questions: none asked yet (this lesson asks 2)" in text


async def test_the_enter_that_goes_on_does_not_answer_the_next_question():
    """QA: two questions at one step; the Enter closing the first's reveal also submitted the second's empty box."""
    app = chain_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("n")
        await pilot.pause()
        await pilot.press("minus", "4", "8", "enter")
        await pilot.pause()
        await pilot.press("enter")  # go on
        await pilot.pause()
        assert isinstance(app.screen, QuestionScreen) and "new w1" in str(app.screen.query_one("#question-prompt").render())
        assert not app.screen.revealed
        assert result_text(app) == "Enter: answer · Escape: skip"  # not "Type a prediction, or Escape to skip."
        await pilot.press("escape")  # skips the second question
        await pilot.pause()
        assert "Skipped. The answer: 3.48" in result_text(app)


async def test_a_run_goes_on_after_two_questions_at_one_step():
    """QA: after both of a step's questions were answered the run stayed paused (it went on after one)."""
    app = BackpropApp(load_preset("chain-two-weights").replace("training", pause_after="none", speed=None))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("space")
        assert await until(pilot, lambda: isinstance(app.screen, QuestionScreen))
        assert app.main.last_run_reason == "question"
        await pilot.press("minus", "4", "8", "enter")
        await pilot.pause()
        await pilot.press("enter")  # go on: the second question of step 1
        await pilot.pause()
        assert isinstance(app.screen, QuestionScreen) and not app.runner.running
        await pilot.press("3", ".", "4", "8", "enter")
        await pilot.pause()
        assert "correct" in result_text(app)
        await pilot.press("enter")
        assert await until(pilot, lambda: app.session.step_count > 2)  # running again
        await pilot.press("space")


async def test_xor_question_with_another_seed_shows_that_runs_numbers():
    import dataclasses

    config = load_preset("xor")
    config = dataclasses.replace(config, network=dataclasses.replace(config.network, seed=12))
    app = BackpropApp(config)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("n")
        assert await until(pilot, lambda: isinstance(app.screen, QuestionScreen))
        prompt = str(app.screen.query_one("#question-prompt").render())
        assert "(the batch's outputs average 0.58, its targets 0.6)" in prompt  # seed 7's: 0.46, 0.5
        await pilot.press("escape")
        await pilot.pause()
        said = result_text(app)
        assert "the value: −0.0171387" in said and "= 0.583 − 0.6 = −0.017: negative" in said


async def test_before_any_question_the_pane_scores_nothing():
    """QA2 12: "Questions: 0 of 1 correct" on the first screen, before any question was asked."""
    app = BackpropApp(load_preset("xor"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        text = str(app.query_one(LessonPane).render())
        assert "Questions: none asked yet (this lesson asks 1)" in text and "0 of 1" not in text


async def test_c_in_a_locked_challenge_types_into_the_first_free_field():
    """QA8 B5: with Hidden layers locked, c focused nothing; "4 relu" then trained (space), reset (r), ran an
    epoch (e) and showed the solution (u)."""
    app = BackpropApp(load_preset("challenge-learning-rate"))
    async with app.run_test(size=(80, 24)) as pilot:
        assert await until(pilot, lambda: app.main.form is not None and app.main.form.is_mounted)  # (after 1 frame)
        await pilot.press("c")
        await pilot.pause()
        assert app.focused is app.query_one("#learning_rate")  # Hidden layers is locked
        await pilot.press(*"4 relu", "backspace")
        await pilot.pause(0.3)
        assert app.query_one("#learning_rate").value == "4 rel"  # refused on Apply, as any bad value
        assert app.session.step_count == 0 and not app.runner.running
        assert not app.query_one(LessonPane).solution_shown and app.session.learning_rate == 0.0001


async def test_c_with_every_setting_locked_says_so_and_keys_do_nothing():
    import dataclasses

    from tui_backprop.lessons import LOCKABLE, Locks

    config = load_preset("challenge-learning-rate")
    config = dataclasses.replace(config, locks=Locks(locked=tuple(LOCKABLE), why=config.locks.why))
    app = BackpropApp(config)
    async with app.run_test(size=(80, 24)) as pilot:
        assert await until(pilot, lambda: app.main.form is not None and app.main.form.is_mounted)  # (after 1 frame)
        await pilot.press("c")
        await pilot.pause()
        assert any(n.message.startswith("Locked by this lesson: every setting in this tab.")
                   for n in app._notifications)
        await pilot.press(*"4 relu", "backspace", "enter")
        await pilot.pause(0.3)
        assert app.session.step_count == 0 and not app.runner.running
        assert not app.query_one(LessonPane).solution_shown
        await pilot.press("escape")  # still leaves the tab
        assert await until(pilot, lambda: not app.main.has_class("-side-open")
                           and app.focused is app.query_one("#inspector"))


async def test_the_sweep_of_a_lesson_that_locks_the_seed_opens_no_other_seed():
    """QA8 B1: S, Enter on a row opened seed 4 (and its data) in a challenge where only the learning rate may change."""
    from tui_backprop.app.screens.sweep import SweepScreen

    app = BackpropApp(load_preset("challenge-learning-rate"))
    async with app.run_test(size=(80, 24)) as pilot:
        assert app.session.config.network.seed == 1
        await pilot.press("S")
        await pilot.pause(0.2)
        sweep = app.screen
        assert isinstance(sweep, SweepScreen)
        assert "The lesson locks the seed: Enter opens none." in str(sweep.query_one("#sweep-title").render())
        await pilot.press("down", "down", "down", "enter")  # seed 3's row
        await pilot.pause(0.2)
        assert app.screen is sweep  # still there to read
        assert any(n.message == "Locked by this lesson (seed): Only the learning rate may change in this challenge "
                   "(+ and - keys)." for n in app._notifications)
        assert app.session.config.network.seed == 1 and app.session.config.data == load_preset(
            "challenge-learning-rate").data
        await pilot.press("escape")
        await pilot.pause(0.2)
        assert not isinstance(app.screen, SweepScreen) and app.session.config.network.seed == 1
        assert app.screen.query_one("#side").border_title == "challenge-learning-rate"
        sweep.sweep.join(5)


async def first_question(pilot, app) -> None:
    """n on a lesson asking at its first step: wait for the question."""
    await pilot.press("n")
    assert await until(pilot, lambda: isinstance(app.screen, QuestionScreen))


async def test_a_typo_in_a_prediction_is_refused_in_place_and_a_decimal_comma_reads():
    """QA8 B3: "8e" + Enter revealed 3.48 and scored it wrong; "-8,0" showed as -80 and was judged off by −72."""
    app = BackpropApp(load_preset("one-weight"))
    async with app.run_test(size=(100, 30)) as pilot:
        await first_question(pilot, app)
        await pilot.press("8", "e", "enter")
        await pilot.pause()
        assert result_text(app) == "'8e' is not a number, e.g. 0.5 or -2\nEnter: answer · Escape: skip"
        assert not app.screen.revealed and app.session.last_phase == "loss"  # nothing ran, nothing shown
        assert "Questions: none asked yet (this lesson asks 2)" in str(app.query_one(LessonPane).render())
        await pilot.press("backspace", "backspace")
        assert result_text(app) == "Enter: answer · Escape: skip"
        await pilot.press("minus", "8", "comma", "0")
        assert app.screen.query_one("#question-answer").value == "-8,0"
        await pilot.press("enter")
        await pilot.pause()
        assert result_text(app).startswith("✓ correct: −8 (your -8,0 read as −8)")
        assert app.session.network.layers[0].grad_weights[0, 0] == -8.0


async def test_questions_turned_on_after_their_point_show_the_worked_numbers():
    """QA8 B4: sigmoid-neuron with questions off, three phases, y: "delta = (0.6225 − 1)·0.2350 = ?" for good,
    since the question (asked after the loss phase of step 1) will never come."""
    app = BackpropApp(load_preset("sigmoid-neuron"), questions=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("p", "p", "p")  # forward, loss, backward of step 1
        assert await until(pilot, lambda: app.session.last_phase == "backward L1")
        await pilot.press("y")
        await pilot.pause()
        text = str(app.query_one(LessonPane).render())
        assert "so delta = (0.6225 − 1)·0.2350 = −0.0887" in text and "w → 0.6774, b → −0.4113" in text
        assert "= ?" not in text and "Questions: none asked; 1 passed unasked (r asks it again)" in text
        assert "= −0.0887, so ∂C/∂w = −0.0887·2 = −0.1774" in str(app.query_one("#notice").render())
        await pilot.press("backspace", "backspace", "backspace")  # back before it: it is to come again
        assert await until(pilot, lambda: app.session.step_count == 0 and app.session.last_phase is None)
        await pilot.pause()
        assert "so delta = (0.6225 − 1)·0.2350 = ?" in str(app.query_one(LessonPane).render())


async def test_the_score_counts_the_questions_asked_so_far():
    """QA8 C1: "Questions: 0 of 2 correct" after one question of two had been asked."""
    app = BackpropApp(load_preset("one-weight"))
    async with app.run_test(size=(100, 30)) as pilot:
        await first_question(pilot, app)
        await pilot.press("minus", "4", "enter")
        await pilot.pause()
        assert "off by +4: the value is −8" in result_text(app)
        assert "Questions: 0 of 1 correct (1 to come)" in str(app.query_one(LessonPane).render())
        await pilot.press("enter")  # the second: the new w
        assert await until(pilot, lambda: isinstance(app.screen, QuestionScreen) and not app.screen.revealed)
        await pilot.press("escape")
        await pilot.pause()
        assert "Questions: 0 of 2 correct, 1 skipped" in str(app.query_one(LessonPane).render())
