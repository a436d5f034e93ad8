"""What the main view and compare mode share: one runner, its latest snapshot, drawn once.

``running`` is derived from the runner's snapshots only, and a snapshot from a
runner that is no longer this view's (a preset was loaded meanwhile) is dropped.
"""

from __future__ import annotations

from tui_backprop.training.runner import Runner


class Paused(str):
    """What ``pause_first`` says; ``replay``: it stopped a replay, not a run (space does not go on with it)."""

    def __new__(cls, text: str, replay: bool = False):
        said = super().__new__(cls, text)
        said.replay = replay
        return said


class SnapshotView:
    """Mixed into a Screen that has a reactive ``running``, ``fps`` and ``show_snapshot``."""

    runner: Runner | None = None
    _latest = None  # newest snapshot from the runner (or taken by hand)
    _shown = None  # the one on screen
    _worker = None  # the training worker while one runs
    last_run_reason: str | None = None  # why the latest run (space) stopped
    replay_claimed = False  # a key stopped the replay (pause_first): its toast says where, not the replay's

    @property
    def latest_snapshot(self):
        """The newest snapshot, for views opened on top (they draw it in their own way)."""
        return self._latest

    def use_runner(self, session) -> Runner:
        """Make the runner of ``session`` this view's; an older runner is cancelled and ignored."""
        if self.runner is not None:
            self.runner.cancel()
        # A new runner starts at its lesson's speed (the preset's ``speed``, else full speed).
        runner = Runner(session, fps=self.fps, publish=lambda snap: self._accept(runner, snap))
        runner.max_steps_per_second = session.config.training.speed
        self.runner = runner
        return runner

    def _accept(self, runner: Runner, snapshot) -> None:
        # Called in the event loop by the runner, at most fps times a second.
        if runner is not self.runner:
            return  # a cancelled run finishing its last step: not what is on screen any more
        self._latest = snapshot
        self.running = snapshot.running
        if not snapshot.running:
            self._redraw()  # a run that stopped shows why at once, not at the next tick

    def publish_now(self) -> None:
        """Take a snapshot now (after a key changed the session) and draw it."""
        self._accept(self.runner, self.runner.snapshot())
        self._redraw()

    def start_training(self) -> None:
        """Run in a worker until paused, halted or at a pause point."""
        runner = self.runner

        async def run() -> None:
            reason = await runner.run()
            if runner is self.runner:
                self.last_run_reason = reason  # why it stopped (a lesson question resumes the run after)

        self._worker = self.run_worker(run(), group="training", exclusive=True, exit_on_error=False)
        self.publish_now()  # running from here on: a key that acts on one state pauses it first (pause_first)

    async def stop_training(self) -> None:
        """Pause and wait until the worker has finished its step (a file must hold one state)."""
        self.runner.pause()
        worker = self._worker
        if worker is not None and worker.is_running:
            try:
                await worker.wait()
            except Exception:  # noqa: BLE001 - a failed or cancelled worker has stopped too
                pass

    async def pause_first(self, why: str, resumes: str = "space resumes it") -> str:
        """A key that acts on one state, pressed while the run goes on: the run stops first (its step finished),
        then the key acts. Returns the words that say so, to begin the key's toast ("" when it was not running):
        "Training paused for the check (space resumes it). " for ``why`` "for the check". One place for g, S,
        n, p, e, backspace, d, w, s and Enter on the curve, so they pause and say it alike.

        A replay (Enter on the curve) is stopped, not paused, and space does not go on with it: "Replay to step
        62,208 stopped at step 50,001. " (``Paused.replay``), and the replay's own toast is left to the key."""
        if not self.runner.running:
            return Paused("")
        going_to = self.runner.replaying_to
        if going_to is None:
            await self.stop_training()
            return Paused(f"Training paused {why} ({resumes}). ")
        self.replay_claimed = True  # before the replay's worker ends: it says nothing of its own
        await self.stop_training()
        now = self.runner.session.step_count
        return Paused(f"Replay to step {going_to:,} stopped at step {now:,}. " if now != going_to
                      else f"Replay to step {going_to:,} done. ", replay=True)

    def say_paused(self, paused: str, timeout: float = 4) -> None:
        """The toast of a key that paused the run and has nothing else to say (n p e w S): it takes the place
        of the last such toast, so a burst of keys leaves one over the curve, not a pile. Also what replaces
        that toast once the run it spoke of has gone (a seed opened from the sweep)."""
        if paused:
            self.app.notify_replacing("paused", paused.strip(), timeout=timeout)

    def _redraw(self) -> None:
        # On a timer: draw only when there is something new.
        snap = self._latest
        if snap is None or snap is self._shown:
            return
        self._shown = snap
        self.show_snapshot(snap)

    def show_snapshot(self, snapshot) -> None:
        raise NotImplementedError
