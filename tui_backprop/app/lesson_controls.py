"""The app's side of a lesson: asking its questions, hints, the solution, questions on/off, locked keys.

A mixin for the main view (``screens/main.py``) so app.py only wires it in (a binding, a call per snapshot).
"""

from __future__ import annotations

from dataclasses import replace

from rich.markup import escape

from tui_backprop.app.screens.question import QuestionScreen
from tui_backprop.app.widgets.lesson_pane import LessonPane
from tui_backprop.lessons import (Question, ask_point_passed, fill, mask, phase_reached, question_figures,
                                  question_value, read_number, show_number)


class LessonControls:
    """Questions before the reveal, goals in the pane, hints, the solution and teacher locks."""

    _question_shown: Question | None = None
    last_run_reason: str | None = None  # why the latest run (space) stopped

    @property
    def lesson_pane(self) -> LessonPane:
        return self.query_one(LessonPane)

    def lesson_mask(self, text: str) -> str:
        return mask(text, self.lesson_pane.unanswered())

    def lesson_after_snapshot(self, snap) -> None:
        pane = self.lesson_pane
        pane.set_goals(self.session.goals.results())
        pane.set_answers(self.session.answers)
        pane.set_differs(snap.differs_from_lesson)
        q = self.session.question
        if q is not None and not snap.running and not self.runner.running and self._question_shown is None \
                and self.questions_on:
            self._question_shown = q
            # The prompt's figures are this run's (another seed, new data, an edited weight: other numbers).
            asked = replace(q, prompt=fill(q.prompt, question_figures(snap, q)))
            self.app.push_screen(QuestionScreen(asked, lambda _asked, typed: self._reveal(q, typed)),
                                 self._question_closed)
        pending = (self._question_shown, q)  # asked and not answered yet: still hidden
        pane.set_passed(frozenset(p for p in pane.config.questions if p not in pending
                                  and ask_point_passed(p, snap.step, snap.phases_done, snap.phases)))

    def _reveal(self, q: Question, typed: str | None) -> str:
        """Run the phase the question is about, then say how the prediction did."""
        session = self.session
        layers = len(session.network.layers)
        for _ in range(4 * layers + 4):
            if session.advance_phase() is None or phase_reached(session.last_phase, q.phase, layers):
                break
        if session.question is q:
            session.question = None
        snap = session.snapshot(grid=False)
        truth = question_value(snap, q)
        self.publish_now()
        if not q.choices:
            shown = show_number(float(q.answer) if truth is None else truth)
        else:
            shown = q.true_choice(truth) + ("" if truth is None else f" (the value: {show_number(truth)})")
        if typed is None:
            verdict, head = "skipped", f"Skipped. The answer: [b]{escape(shown)}[/b]"
        else:
            correct, said = q.check(typed, truth)
            verdict = "correct" if correct else "wrong"
            head = ("[green]✓ correct[/green]: " if correct else "[red]✗[/red] ") + \
                   (f"[b]{escape(shown)}[/b]" if correct else escape(said))
            if "," in typed and not q.choices:  # say how a decimal comma was read
                head += f" [dim](your {escape(typed.strip())} read as {show_number(read_number(typed))})[/dim]"
        session.record_answer(q, verdict)
        self.lesson_pane.set_answers(session.answers)
        said = fill(q.explanation, question_figures(snap, q))
        explanation = f"\n{escape(said)}" if said else ""
        return head + explanation

    def _question_closed(self, _result=None) -> None:
        self._question_shown = None
        self.publish_now()  # asks the step's next question, if it has one
        if self._question_shown is not None:
            return  # a run a question stopped goes on after the last of them (last_run_reason kept till then)
        resume = self.last_run_reason == "question"
        self.last_run_reason = None
        if resume and self.session.question is None:
            self.action_toggle_run()

    # ---------------------------------------------------------------- keys
    def action_toggle_questions(self) -> None:
        on = self.questions_on = not self.questions_on
        self.runner.call_between_steps(lambda s: setattr(s, "ask_questions", on))
        self.lesson_pane.questions_on = on
        self.lesson_pane.redraw()
        what = "on" if on else "off (the lesson runs without asking)"
        self.notify(f"Questions {what}" if self.config.questions else "This lesson asks no questions", timeout=2)

    def action_hint(self) -> None:
        pane = self.lesson_pane
        hints = self.config.hints
        if not hints:
            self.notify("This lesson has no hints", timeout=2)
            return
        pane.hints_shown = min(pane.hints_shown + 1, len(hints))
        pane.redraw()
        self._open_side("lesson-tab")
        pane.scroll_end(animate=False)
        self.notify(f"Hint {pane.hints_shown}: {hints[pane.hints_shown - 1]}", timeout=8)

    def action_solution(self) -> None:
        pane = self.lesson_pane
        solution = self.config.solution
        if solution is None:
            self.notify("This lesson has no solution to show", timeout=2)
            return
        if not pane.solution_shown:
            pane.solution_shown = True
            pane.redraw()
            self._open_side("lesson-tab")
            pane.scroll_end(animate=False)
            self.notify(f"Solution: {solution.text} (u again applies it)", timeout=8)
            return
        from tui_backprop.training.session import Session

        self.switch_session(Session(solution.config))
        self.notify("Solution applied: a new network from step 0. Press space and watch the goals.", timeout=6)

    def locked(self, action: str) -> bool:
        """A key the lesson locks says why instead of acting."""
        name = self.config.locks.action_lock(action)
        if name is None:
            return False
        self.notify(f"Locked by this lesson ({name.replace('_', ' ')}): {self.config.locks.why}",
                    severity="warning", timeout=4)
        return True
