"""The main view's training keys (run / pause, step, phase, epoch, pause after backward, step back, reset,
learning rate, speed): a mixin for ``screens/main.py``.

Manual steps act on a paused session: pressed while it runs, they pause it first and say so
(``pause_first``, space resumes it); keys that change a running session are applied between steps
(``Runner.call_between_steps``).
"""

from __future__ import annotations

from tui_backprop.training.runner import next_speed
from tui_backprop.training.session import Session

# TensorFlow Playground's learning-rate choices.
LEARNING_RATES = (0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)


def next_learning_rate(current: float, direction: int, lesson: float | None = None) -> float:
    """The next rate up or down the ladder, the lesson's own among them: after + then − a lesson at 0.5 is
    back at 0.5, not at 0.3 (QA8 C5)."""
    rates = sorted({*LEARNING_RATES, *([lesson] if lesson is not None else [])})
    if direction > 0:
        return next((r for r in rates if r > current * (1 + 1e-9)), rates[-1])
    return next((r for r in reversed(rates) if r < current * (1 - 1e-9)), rates[0])


# Going back further than this many steps of replay runs in the training worker (space stops it): the UI stays live.
FAR_REPLAY = 1_000


class TrainingControls:
    """Keys that drive the session: run, manual steps, going back, the learning rate and the speed."""

    def _halted_note(self) -> bool:
        if self.session.halted:
            # one toast of its kind: refused keys in a row do not stack copies of it over what else is said
            self.app.notify_replacing("halted", "Training halted on NaN/inf: r resets, ⌫ steps back to the last "
                                      "finite step.", severity="warning", timeout=5)
        return bool(self.session.halted)

    def action_toggle_run(self) -> None:
        self._lesson_makes_way()
        if self.runner.running:
            self.runner.pause()
        elif not self._halted_note():
            self.start_training()

    def _manual(self, fn, going_back: bool = False) -> None:
        """``fn`` on the paused session; after a NaN/inf halt only going back (to a finite state) is allowed."""
        self._lesson_makes_way()
        if self.runner.running or (not going_back and self._halted_note()):
            return
        fn()
        if self.runner.replaying_to is None:  # a replay started shows its first state once it has loaded it,
            self.publish_now()  # not the step it left (QA6 C4: "replaying to step 62,208 … step 192,200")

    async def _paused_manual(self, fn, why: str, taken) -> None:
        """A manual step pressed while the run goes on: the run pauses, the step is taken, a toast says so
        (after a replay it stopped, what was taken: ``taken()``, "One step taken: step 17.")."""
        self._lesson_makes_way()
        paused = await self.pause_first(why)
        self._manual(fn)
        if not self.session.halted:
            self.say_paused(paused + taken() if paused.replay else paused)

    async def action_step(self) -> None:
        await self._paused_manual(self.session.step, "for one step",
                                  lambda: f"One step taken: step {self.session.step_count:,}.")

    async def action_phase(self) -> None:
        await self._paused_manual(self.session.advance_phase, "for one phase", lambda: (
            f"One phase run: step {self.session.step_count + 1:,}'s {self.session.last_phase}." if
            self.session.in_step else f"One phase run: step {self.session.step_count:,} done."))

    async def action_epoch(self) -> None:
        await self._paused_manual(self.session.run_epoch, "for one epoch",
                                  lambda: f"One epoch run: step {self.session.step_count:,}.")

    def action_toggle_pause_after_backward(self) -> None:
        def toggle(session: Session) -> None:
            session.pause_after = "none" if session.pause_after == "backward" else "backward"

        self.runner.call_between_steps(toggle)
        state = "on" if self.session.pause_after == "backward" else "off"
        if self.runner.running:
            state = "on" if self.session.pause_after != "backward" else "off"
        self.notify(f"Pause after backward: {state}", timeout=2)
        self.publish_now()

    async def action_step_back(self) -> None:
        self._lesson_makes_way()
        paused = await self.pause_first("to step back")
        self._manual(lambda: self._time_travel(self.session.step_back_target, paused), going_back=True)

    async def action_go_to_curve_step(self) -> None:
        """Enter on the loss curve (its binding): the exact state at the step under the cursor."""
        step = self.query_one("#curve").cursor_step
        if step is not None:
            self.go_to_step(step, await self.pause_first("to go to that step"))

    def go_to_step(self, step: int, paused: str = "") -> None:
        """The exact state at ``step``: here at once, or a replay started that space stops."""
        self.runner.pause()
        if self.runner.running:
            self.notify("Pausing: press Enter again to go to that step", timeout=3)
            return
        self._manual(lambda: self._time_travel(lambda: step, paused), going_back=True)

    def _time_travel(self, target, paused: str = "") -> None:
        """Go to the step ``target()`` names: here if the replay is short, else in the training worker."""
        before = self.session.step_count
        phases = self.session.last_phase if self.session.in_step else None  # a step half done: undone to its start
        typed = self.session.weights_edited  # a weight typed by hand: going back may undo it
        try:
            step = target()
            far = self.session.replay_distance(step) > FAR_REPLAY
        except ValueError as exc:
            said = str(exc)  # a sentence after paused's; ⌫ held down replaces it rather than stacking copies
            self.app.notify_replacing("time travel", paused + said[:1].upper() + said[1:], severity="warning")
            return
        if not far:
            self.session.go_to_step(step)
            self._arrived(before, step, phases, paused, typed=typed)
            return
        runner = self.runner
        going = runner.replay(step)  # running from here on: space stops it, as does a key that pauses first
        if getattr(paused, "replay", False):  # Enter during a replay: one toast, where that one stopped and this goes
            self.app.notify_replacing("time travel", f"{paused}Going to step {step:,} (space stops).", timeout=5)
            paused = ""

        async def replay() -> None:
            await going
            quiet, self.replay_claimed = self.replay_claimed, False
            if runner is self.runner:
                self._arrived(before, step, paused=paused, quiet=quiet, typed=typed)

        self._worker = self.run_worker(replay(), group="training", exclusive=True, exit_on_error=False)

    def _arrived(self, before: int, step: int, phases: str | None = None, paused: str = "",
                 quiet: bool = False, typed: bool = False) -> None:
        """``quiet``: a key stopped the replay; its toast says where (``pause_first``)."""
        now = self.session.step_count
        self.session.keep_answers()  # (the runner is paused: it has arrived)
        self.lesson_pane.set_answers(self.session.answers)
        if quiet:
            return
        if now != step:
            said = f"Replay stopped at step {now:,} (on the way to {step:,}), as it was then."
        elif now == before and phases is not None:
            where = "the start" if now == 0 else f"the end of step {now:,}"
            said = f"Step {now + 1:,}'s phases undone (it had run through {phases}): back at {where}."
        else:  # (a step half run is the one it was in: "from step 6" after a halt in step 6's backward pass)
            source = f"step {before + 1:,}, run through {phases}" if phases is not None else f"step {before:,}"
            said = (f"Back at step {now:,} (from {source}), as it was then." if now < before
                    else f"At step {now:,}, as it was then.")
        if before - now > 1:  # the run forks here: say what it leaves behind (QA7 C5)
            said += f" Steps {now + 1:,}–{before:,} are dropped."
        if typed and not self.session.weights_edited:
            said += " The weight typed by hand is undone too."
        self.app.notify_replacing("time travel", paused + said, timeout=5 if paused else 3)

    def action_reset(self) -> None:
        self.runner.pause()
        self.runner.call_between_steps(lambda s: s.reset())  # a running worker publishes when it stops
        self.publish_now()

    def action_learning_rate(self, direction: int) -> None:
        if self.locked("learning_rate"):
            return
        lesson = self.session.lesson_config.training.learning_rate
        new = next_learning_rate(self.session.learning_rate, direction, lesson)
        self.runner.call_between_steps(lambda s: s.set_learning_rate(new))
        if self.form is not None and self.form.is_mounted:
            self.form.set_learning_rate(new)
        elif self.form is not None:  # made, not mounted yet: it starts from this configuration
            self.form.config = self.form.config.replace("training", learning_rate=new)
        # (before the first frame there is no form: it is made from the session's configuration)
        self.publish_now()

    def action_speed(self, direction: int) -> None:
        self.runner.max_steps_per_second = next_speed(self.runner.max_steps_per_second, direction)
        self.publish_now()  # the status line says the new level
