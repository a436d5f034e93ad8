"""QA8 B2 / B4(b) / K7: a saved session keeps its lesson progress (goals met, questions asked and answered,
questions on or off, the lesson's own settings) and reads the same after --resume; older files still load."""

from __future__ import annotations

import json
import zipfile

import pytest

from tests.conftest import fake_app
from tui_backprop import cli
from tui_backprop.persist import SessionFileError, load_session, save_session
from tui_backprop.presets import load_preset
from tui_backprop.training.session import Session


def solved_challenge() -> Session:
    """challenge-learning-rate at lr 0.1 (the lesson's is 0.0001): its goal is met at step 800 (QA8 B2)."""
    s = Session(load_preset("challenge-learning-rate"))
    s.set_headless()
    s.set_learning_rate(0.1)
    s.run(800)
    return s


def asked_session(questions: bool = True) -> Session:
    """chain-two-weights as the app runs it, stopped at its first question (∂C/∂w1 before backward)."""
    s = Session(load_preset("chain-two-weights").replace("training", pause_after="none"))
    s.ask_questions = questions
    s.step()  # stops where the question is asked
    return s


def rewrite_header(path, new_path, change) -> None:
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(new_path, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "header.json":
                header = json.loads(data)
                change(header)
                data = json.dumps(header).encode()
            zout.writestr(item, data)


def test_a_met_goal_and_the_lessons_own_learning_rate_come_back(tmp_path):
    a = solved_challenge()
    goal = a.goals.results()[0]
    assert (goal.met, goal.step) == (True, 800) and a.differs_from_lesson() == "lr 0.1, not 0.0001"
    b = load_session(save_session(a, tmp_path / "g800.npz"))
    assert b.goals.results() == a.goals.results()  # before: met False, step None
    assert b.lesson_config == a.lesson_config and b.lesson_config.training.learning_rate == 0.0001
    assert b.differs_from_lesson() == "lr 0.1, not 0.0001"  # before: None (the run's 0.1 taken as the lesson's)
    assert b.settings_changed and b.goals.announced == a.goals.announced


def test_headless_resume_reports_the_goal_met_at_its_original_step(tmp_path, capsys):
    path = save_session(solved_challenge(), tmp_path / "g800.npz")
    assert cli.main(["train", "--resume", str(path), "--steps", "10", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["goals"] == [{"text": "test loss ≤ 0.15 within 100 epochs", "met": True, "step": 800}]
    assert out["test_loss"] > 0.15  # at step 810 (0.1512) the goal would not be met afresh


def test_a_sweep_seed_keeps_saying_it_is_not_the_lessons(tmp_path):
    lesson = load_preset("challenge-learning-rate")
    swept = lesson.replace("training", learning_rate=0.1)
    a = Session(swept.with_seed(4), lesson=lesson)  # what Enter on the sweep's seed-4 row opens
    a.set_headless()
    a.run(30)
    b = load_session(save_session(a, tmp_path / "seed4.npz"))
    assert a.differs_from_lesson().startswith("lr 0.1, not 0.0001, seed 4, not 1")
    assert b.differs_from_lesson() == a.differs_from_lesson()
    assert b.lesson_config.network.seed == 1 and b.config.network.seed == 4


def test_questions_asked_answered_and_off_are_kept(tmp_path):
    a = asked_session()
    q = a.question
    assert q is not None and q.prompt.startswith("Predict ∂C/∂w1")
    a.question = None  # (the app runs the asked phase, then judges)
    a.advance_phase()
    a.record_answer(q, "correct")
    b = load_session(save_session(a, tmp_path / "asked.npz"))
    assert b.questions_asked == a.questions_asked == {q}
    assert b.answers == {q: "correct"} and b.ask_questions
    off = Session(load_preset("chain-two-weights"))
    off.ask_questions = False  # --no-questions, or y
    assert load_session(save_session(off, tmp_path / "off.npz")).ask_questions is False


def test_an_answer_to_a_question_not_asked_is_not_written(tmp_path):
    """The reader refuses such a file as corrupt: the writer never makes one (say, saved mid step back)."""
    a = asked_session()
    later = a.config.questions[1]  # the new w1, asked before the update
    assert later not in a.questions_asked
    a.record_answer(later, "correct")
    b = load_session(save_session(a, tmp_path / "s.npz"))
    assert b.answers == {} and b.questions_asked == a.questions_asked


def test_a_file_from_before_lesson_progress_still_loads_as_it_did(tmp_path):
    new = save_session(solved_challenge(), tmp_path / "new.npz")
    old = tmp_path / "old.npz"
    rewrite_header(new, old, lambda h: h.pop("lesson"))
    b = load_session(old)
    assert b.step_count == 800 and b.lesson_config == b.config  # as before: the run taken as the lesson
    assert not b.goals.results()[0].met and b.answers == {} and b.questions_asked == frozenset()
    assert b.ask_questions  # the app decides (on unless --no-questions), as it always did


@pytest.mark.parametrize("change, said", [
    (lambda h: h["lesson"]["answers"].update({"0": "maybe"}), "corrupt session file (lesson.answers"),
    (lambda h: h["lesson"]["goals"]["met"].update({"7": 3}), "corrupt session file (lesson: goal 7 is not in"),
    (lambda h: h["lesson"].update(ask_questions="yes"), "corrupt session file (lesson.ask_questions"),
    (lambda h: h["lesson"]["config"]["training"].update(learning_rate=-1),
     "the saved lesson config does not load (training.learning_rate"),
])
def test_a_malformed_lesson_table_is_one_line(tmp_path, change, said):
    bad = tmp_path / "bad.npz"
    rewrite_header(save_session(asked_session(), tmp_path / "ok.npz"), bad, change)
    with pytest.raises(SessionFileError) as err:
        load_session(bad)
    assert said in str(err.value) and "\n" not in str(err.value), str(err.value)


def test_resume_refuses_preset_in_one_line(tmp_path, capsys, monkeypatch):
    """QA8 K7: --preset was silently ignored beside --resume (as --seed is, it is refused)."""
    path = save_session(asked_session(), tmp_path / "s.npz")
    seen = fake_app(monkeypatch)
    assert cli.main(["--resume", str(path), "--preset", "xor"]) == 2
    assert "ran" not in seen
    err = capsys.readouterr().err
    assert err == "tui-backprop: --preset cannot be combined with --resume (a saved session keeps its own lesson)\n"


@pytest.mark.parametrize("saved_on, flag, expected", [(True, [], True), (False, [], False),
                                                      (True, ["--no-questions"], False)])
def test_the_app_resumes_with_questions_as_saved(tmp_path, monkeypatch, saved_on, flag, expected):
    """QA8 B4 (b): --no-questions was not kept; --no-questions on the command line still turns them off."""
    path = save_session(asked_session(saved_on), tmp_path / "s.npz")
    seen = fake_app(monkeypatch)
    assert cli.main(["--resume", str(path), *flag]) == 0
    assert seen["questions"] is expected
