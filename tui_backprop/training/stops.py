"""Where a run stops by itself: the pause point, a lesson's notes and questions, its limits and goals.

A part of ``Session`` (kept in its own file). ``stop_reason`` is asked after
every phase that ran; the whole-step path asks it once per step, and only
when nothing can stop inside the step (``_steps_stopping_inside``).
"""

from __future__ import annotations

from tui_backprop.config import resolve_phase, step_phases
from tui_backprop.core.figures import beside, counted
from tui_backprop.schema import UNCHANGING, setting_changes


class SessionStops:
    """Pause point, lesson notes and questions, stop conditions (a part of ``Session``)."""

    @property
    def pause_after(self) -> str:
        """Where a run stops by itself: "none", any phase, or "forward"/"backward" (the whole pass)."""
        return self._pause_after

    @pause_after.setter
    def pause_after(self, name: str) -> None:
        depth = len(self.config.network.layers)
        phase = resolve_phase(name, depth)
        if name != "none" and phase not in step_phases(depth):
            raise ValueError(f"no phase {name!r} in a step of this {depth}-layer network")
        self._pause_after = name
        self._pause_phase = None if name == "none" else phase

    def _set_pauses(self) -> None:
        """The lesson's notes and questions keyed by (step, phase), "forward"/"backward" resolved to a layer's."""
        depth = len(self.config.network.layers)
        self._pauses = [((n.step, resolve_phase(n.phase, depth)), n.text) for n in self.config.notes]
        self._questions = [((q.ask_at[0], resolve_phase(q.ask_at[1], depth)), q) for q in self.config.questions]
        self._mid_step_notes = {step for (step, phase), _ in self._pauses if phase != "update"}
        self._mid_step_questions = {step for (step, phase), _ in self._questions if phase != "update"}

    def _steps_stopping_inside(self) -> set[int] | frozenset[int]:
        """The steps a lesson note or question may stop inside (so they run phase by phase)."""
        if not self.use_notes:
            return frozenset()
        return self._mid_step_notes | self._mid_step_questions if self.ask_questions else self._mid_step_notes

    def _may_stop_inside_an_epoch(self) -> bool:
        """``stop_reason("update")`` may stop a run at an update that does not end an epoch (if not halted)."""
        lesson = self.use_notes and bool(self._pauses or (self.ask_questions and self._questions))
        return lesson or self._pause_phase == "update"

    def ask_passed(self, phases: list[str]) -> None:
        """A question whose ask point a redone pass ran through (a weight edit) is asked now, about the edited
        network: without it an edit before step 1 skipped the lesson's first question."""
        if not (self.use_notes and self.ask_questions) or self.question is not None:
            return
        step = self.step_count + 1
        for (at_step, phase), q in self._questions:
            if at_step == step and phase in phases and q not in self._asked:
                self._asked.add(q)
                self.question = q
                self.timeline.keep(self, change=True)  # step back knows it was asked here
                return

    @property
    def settings_changed(self) -> bool:
        """A setting of the lesson's was changed (the Config tab, the learning rate), not just its seeds."""
        return bool(setting_changes(self.lesson_config, self.config))

    def differs_from_lesson(self) -> str | None:
        """How this run differs from the lesson's own settings, in a few words, or None."""
        mine, lesson = self.config, self.lesson_config
        what = []
        if mine.training.learning_rate != lesson.training.learning_rate:
            what.append(f"lr {mine.training.learning_rate:g}, not {lesson.training.learning_rate:g}")
        if mine.network.seed != lesson.network.seed:
            what.append(f"seed {mine.network.seed}, not {lesson.network.seed}")
        if mine.data.seed != lesson.data.seed:  # d: new data (after a sweep's seed too: QA7 B3)
            what.append(f"new data (seed {mine.data_seed})")
        what += setting_changes(lesson, mine, UNCHANGING + ("learning_rate",))  # (said first, with the lesson's)
        if self.weights_edited:
            what.append("weights typed by hand")
        return ", ".join(what) or None

    def stop_reason(self, phase: str) -> str | None:
        """Why the session should stop after ``phase`` (just run), if it should.

        A lesson note counts once: asking marks it fired and sets its text as the message;
        a question likewise, once, while questions are asked.
        """
        if self.halted:
            return "halted"
        step = self.step_count if phase == "update" else self.step_count + 1
        reason = None
        if self.use_notes:
            for key, text in self._pauses:
                if key == (step, phase) and key not in self._fired:
                    self._fired.add(key)
                    changed = self.differs_from_lesson()  # then its numbers are the lesson's run's: say so first
                    self.message = text if changed is None else \
                        f"(Written for the lesson's settings; this run has {changed}.) {text}"
                    reason = "note"
                    break
            if self.ask_questions:
                for key, q in self._questions:
                    if key == (step, phase) and q not in self._asked:
                        self._asked.add(q)
                        self.question = q
                        self.timeline.keep(self, change=True)  # step back knows it was asked here
                        return "question"
        if reason:
            return reason
        if phase == "update" and self.batch_in_epoch == 0:
            t = self.config.training
            if t.stop_after_epochs is not None and self.epoch >= t.stop_after_epochs:
                self.message = (f"Stopped after {counted(self.epoch, 'epoch')} "
                                f"(stop_after_epochs = {t.stop_after_epochs}).")
                return "stop"
            if t.stop_below_loss is not None and self.train_loss is not None and self.train_loss < t.stop_below_loss:
                # One line at 80 columns; "after the update" tells it from the status line's batch loss.
                self.message = (f"Stopped: after step {self.step_count:,}'s update the training loss "
                                f"{beside(self.train_loss, t.stop_below_loss, 4)} fell below {t.stop_below_loss:g}.")
                return "stop"
            if self.use_notes and self.goals.decided and not self.goals.announced:
                self.goals.announced = True  # once: space runs on past it
                self.message = self.goals.verdict(self.step_count)
                return "stop"
        if phase == self._pause_phase:
            return "pause point"
        return None

    @property
    def questions_asked(self) -> frozenset:
        """The lesson's questions asked so far in this run (they come again after a step back before them)."""
        return frozenset(self._asked)

    def record_answer(self, question, verdict: str) -> None:
        """How the learner did on a question asked in this run (kept here so a saved session keeps the score)."""
        self.answers = {**self.answers, question: verdict}  # a new dict: the app reads it between steps

    def keep_answers(self) -> None:
        """After a step back: questions not asked yet at that step are to come again, their answers hidden."""
        self.answers = {q: v for q, v in self.answers.items() if q in self._asked}
