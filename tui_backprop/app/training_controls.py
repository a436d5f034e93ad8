"""The main view's training keys (run / pause, step, phase, epoch, pause after backward, step back, reset,
learning rate, speed): a mixin for ``screens/main.py``.

Manual steps need a paused session; keys that change a running session are
applied between steps (``Runner.call_between_steps``).
"""

from __future__ import annotations

from tui_backprop.training.runner import next_speed
from tui_backprop.training.session import Session

# TensorFlow Playground's learning-rate choices.
LEARNING_RATES = (0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)


def next_learning_rate(current: float, direction: int) -> float:
    if direction > 0:
        return next((r for r in LEARNING_RATES if r > current * (1 + 1e-9)), LEARNING_RATES[-1])
    return next((r for r in reversed(LEARNING_RATES) if r < current * (1 - 1e-9)), LEARNING_RATES[0])


# Going back further than this many steps of replay runs in the training worker (space stops it): the UI stays live.
FAR_REPLAY = 1_000

# Keys that need a paused session: shown greyed out while it runs. (g pauses the run itself: screens/main.py.)
NEEDS_PAUSE = ("step", "phase", "epoch", "edit_weight", "new_data", "step_back")


class TrainingControls:
    """Keys that drive the session: run, manual steps, going back, the learning rate and the speed."""

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action in NEEDS_PAUSE and self.running:
            return None  # shown greyed out: pause first
        return True

    def _halted_note(self) -> bool:
        if self.session.halted:
            self.notify("Training halted on NaN/inf: press r to reset.", severity="warning")
        return bool(self.session.halted)

    def action_toggle_run(self) -> None:
        self._lesson_makes_way()
        if self.runner.running:
            self.runner.pause()
        elif not self._halted_note():
            self.start_training()

    def _manual(self, fn) -> None:
        self._lesson_makes_way()
        if self.runner.running or self._halted_note():
            return
        fn()
        self.publish_now()

    def action_step(self) -> None:
        self._manual(self.session.step)

    def action_phase(self) -> None:
        self._manual(self.session.advance_phase)

    def action_epoch(self) -> None:
        self._manual(self.session.run_epoch)

    def action_toggle_pause_after_backward(self) -> None:
        def toggle(session: Session) -> None:
            session.pause_after = "none" if session.pause_after == "backward" else "backward"

        self.runner.call_between_steps(toggle)
        state = "on" if self.session.pause_after == "backward" else "off"
        if self.runner.running:
            state = "on" if self.session.pause_after != "backward" else "off"
        self.notify(f"Pause after backward: {state}", timeout=2)
        self.publish_now()

    def action_step_back(self) -> None:
        self._manual(lambda: self._time_travel(self.session.step_back_target))

    def action_go_to_curve_step(self) -> None:
        """Enter on the loss curve (its binding): the exact state at the step under the cursor."""
        step = self.query_one("#curve").cursor_step
        if step is not None:
            self.go_to_step(step)

    def go_to_step(self, step: int) -> None:
        """The exact state at ``step``: here at once, or a replay started that space stops."""
        self.runner.pause()
        if self.runner.running:
            self.notify("Pausing: press Enter again to go to that step", timeout=3)
            return
        self._manual(lambda: self._time_travel(lambda: step))

    def _time_travel(self, target) -> None:
        """Go to the step ``target()`` names: here if the replay is short, else in the training worker."""
        before = self.session.step_count
        phases = self.session.last_phase if self.session.in_step else None  # a step half done: undone to its start
        try:
            step = target()
            far = self.session.replay_distance(step) > FAR_REPLAY
        except ValueError as exc:
            self.notify(str(exc), severity="warning")
            return
        if not far:
            self.session.go_to_step(step)
            self._arrived(before, step, phases)
            return
        runner = self.runner
        going = runner.replay(step)  # running from here on: space stops it, keys that need a pause wait

        async def replay() -> None:
            await going
            if runner is self.runner:
                self._arrived(before, step)

        self._worker = self.run_worker(replay(), group="training", exclusive=True, exit_on_error=False)

    def _arrived(self, before: int, step: int, phases: str | None = None) -> None:
        now = self.session.step_count
        self.lesson_pane.keep_answers(self.session.questions_asked)
        if now != step:
            said = f"Replay stopped at step {now:,} (on the way to {step:,}): the exact state then"
        elif now == before and phases is not None:
            said = f"Step {now + 1:,}'s phases undone (it had run through {phases}): back at step {now:,} done"
        else:
            said = (f"Back at step {now:,} (from step {before:,}): the exact state then" if now < before
                    else f"At step {now:,}: the exact state then")
        self.app.notify_replacing("time travel", said)

    def action_reset(self) -> None:
        self.runner.pause()
        self.runner.call_between_steps(lambda s: s.reset())  # a running worker publishes when it stops
        self.publish_now()

    def action_learning_rate(self, direction: int) -> None:
        if self.locked("learning_rate"):
            return
        new = next_learning_rate(self.session.learning_rate, direction)
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
