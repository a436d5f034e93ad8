"""A session file's lesson progress: the lesson's own settings, the goals met, the questions asked and answered.

The header's optional ``lesson`` table (``docs/session-format.md``). Files written before it existed load as
they always did: the run's config stands for the lesson's, no goal is met, no question asked, questions on.
"""

from __future__ import annotations

from pathlib import Path

from tui_backprop.config import Config, ConfigError, config_to_dict, parse_config

VERDICTS = ("correct", "wrong", "skipped")


def lesson_header(session, state: dict) -> dict:
    """The ``lesson`` table of a session's file (``state``: its ``state_dict()``)."""
    lesson, questions, goals = session.lesson_config, session.config.questions, state["goals"]
    return {
        "config_name": lesson.name,
        "config_path": lesson.path,
        "config": config_to_dict(lesson),  # what "Written for the lesson's settings; this run has …" compares with
        "goals": {"met": {str(i): int(step) for i, step in sorted(goals["met"].items())},
                  "missed": [int(i) for i in goals["missed"]], "announced": bool(goals["announced"])},
        "questions_asked": [int(i) for i in state["questions_asked"]],
        # (only those asked: a file the reader would refuse is never written)
        "answers": {str(i): verdict for q, verdict in session.answers.items()
                    if (i := questions.index(q)) in state["questions_asked"]},
        "ask_questions": bool(session.ask_questions),
    }


def read_lesson(header: dict, config: Config, path: Path, error) -> tuple[Config, dict, bool]:
    """(the lesson's config, the entries it adds to ``load_state_dict``'s state, whether questions are on).

    ``error(path, message)`` makes the file's one-line error; a malformed table raises ValueError
    (reported as a corrupt file)."""
    table = header.get("lesson")
    if table is None:  # an older file
        return config, {}, True
    if not isinstance(table, dict):
        raise ValueError("lesson: expected a table")
    try:
        lesson = parse_config(table["config"], table.get("config_path"), table.get("config_name") or "custom")
    except ConfigError as exc:
        what = f"{exc.field}: {exc.message}" if exc.field else exc.message
        raise error(path, f"the saved lesson config does not load ({what})") from None
    goals = table["goals"]
    met = {_index(i, len(config.goals), "goal"): _count(step, "goal step") for i, step in goals["met"].items()}
    missed = [_index(i, len(config.goals), "goal") for i in goals["missed"]]
    asked = sorted({_index(i, len(config.questions), "question") for i in table["questions_asked"]})
    answers = {}
    for i, verdict in table["answers"].items():
        i = _index(i, len(config.questions), "question")
        if i not in asked or verdict not in VERDICTS:
            raise ValueError(f"lesson.answers: question {i} {verdict!r} (not asked, or not one of {VERDICTS})")
        answers[i] = verdict
    on = table["ask_questions"]
    if not isinstance(on, bool):
        raise ValueError(f"lesson.ask_questions: expected true or false, got {on!r}")
    state = {"goals": {"met": met, "missed": missed, "announced": bool(goals.get("announced", False))},
             "questions_asked": asked, "answers": answers}
    return lesson, state, on


def _index(value, count: int, what: str) -> int:
    i = _count(value, what)
    if i >= count:
        raise ValueError(f"lesson: {what} {i} is not in this lesson (it has {count})")
    return i


def _count(value, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, str)) or not str(value).isdigit():
        raise ValueError(f"lesson: {what} {value!r} is not a count")
    return int(value)
