"""What the main view and compare mode share: keep the runner's latest snapshot, draw it once."""

from __future__ import annotations


class SnapshotView:
    """Mixed into an App or Screen that has ``runner``, a reactive ``running`` and ``show_snapshot``."""

    _latest = None  # newest snapshot from the runner (or taken by hand)
    _shown = None  # the one on screen

    @property
    def latest_snapshot(self):
        """The newest snapshot, for views opened on top (they draw it in their own way)."""
        return self._latest

    def _on_published(self, snapshot) -> None:
        # Called in the event loop by the runner, at most fps times a second.
        self._latest = snapshot
        self.running = snapshot.running

    def publish_now(self) -> None:
        """Take a snapshot now (after a key changed the session) and draw it."""
        self._latest = self.runner.snapshot()
        self._redraw()

    def _redraw(self) -> None:
        # On a timer: draw only when there is something new.
        snap = self._latest
        if snap is None or snap is self._shown:
            return
        self._shown = snap
        self.show_snapshot(snap)

    def show_snapshot(self, snapshot) -> None:
        raise NotImplementedError
