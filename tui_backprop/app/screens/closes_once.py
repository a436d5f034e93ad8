"""Every dialog and view closes once: a second Enter or Escape while it closes is ignored.

Keys typed fast (or pasted) are queued to the screen before its first close has run; each one
would call ``dismiss`` again and pop the screen *under* it (the main view), or the last one
(``ScreenStackError``), and call the result callback twice (a preset loaded twice).
"""

from __future__ import annotations

from textual.await_complete import AwaitComplete


class ClosesOnce:
    """Mix in before ``Screen``/``ModalScreen``: ``dismiss`` acts only on the top screen, the first time."""

    _dismissed = False

    @property
    def closing(self) -> bool:
        """Dismissed, not yet popped: keys typed now wait for the screen below (``type_ahead.py``)."""
        return self._dismissed

    def dismiss(self, result=None) -> AwaitComplete:
        if self._dismissed or not self.is_current:
            return AwaitComplete()  # already closing (or covered by another screen): nothing to pop
        self._dismissed = True
        return super().dismiss(result)
