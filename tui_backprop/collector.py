"""Start-up without the cyclic garbage collector.

Opening the app builds some hundred thousand objects (Textual's DOM, styles, the
NumPy engine) that all live as long as the app; the collector would walk them
several times before the first frame for nothing. It stays off until the first
frame is on screen; then those objects are frozen (never walked again, which
also spares the UI thread while a run redraws) and the collector runs as usual.
"""

from __future__ import annotations

import gc


_paused = False


def pause() -> None:
    global _paused
    _paused = True
    gc.disable()


def resume() -> None:
    """After the first frame: keep what start-up built out of every later collection. Only after a
    ``pause``: an app started otherwise (tests, a served session's host) keeps the collector as it is."""
    global _paused
    if _paused:
        _paused = False
        gc.freeze()
        gc.enable()
