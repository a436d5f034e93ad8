"""Type-ahead: keys typed while a screen opens or closes wait for it, then arrive in the order typed.

A key goes first to the focused widget and only then, bubbling back, to the app's key bindings.
So ``o`` then ``xor`` typed fast (or pasted) were all on their way through the main view before
``o``'s binding opened the picker: the letters came back to the app with the picker on top and
were dropped, or ran its keys. Keys typed while the picker was still being mounted reached it
before its filter box had the focus and were lost too.

Here a key that comes back to the app after the screen changed under it (or began closing), or
that is typed while the screen on top is not ready (mounting, or closing), waits. So does a key
typed while the one before it is still on its way through the widgets: a box takes letters at
once but its Enter only when the key is back at the app, so ``−48 ⏎ 3.48`` in one burst put
``3.48`` in the box before Enter submitted it. Waiting keys are sent one at a time, each after
the previous one has been handled, so a key that opens (or closes) another screen makes the rest
wait for that one.
"""

from __future__ import annotations

import time
from bisect import insort
from typing import Awaitable, Callable
from weakref import WeakSet

from textual import events
from textual.app import App
from textual.screen import Screen

POLL = 0.01  # seconds between looks at a screen being mounted or closed, or a key on its way
IN_FLIGHT_MAX = 2.0  # seconds: a sent key not heard of again by then (stopped by a widget) is done (0.5 s let
# the key after an Enter go while a loaded machine was still closing the dialog: it was lost, ~1 run in 10)
SETTLE_MAX = 2.0  # seconds: the messages a handled key started (Enter's Input.Submitted) still on their way
GIVE_UP = 3.0  # seconds: a screen that never gets ready has the keys anyway
REMEMBERED = 256  # keys on their way remembered (a key a widget stops never comes back)


class TypeAhead:
    """Holds the app's keys while its top screen is not ready for them; ``take`` sees every key."""

    def __init__(self, app: App, deliver: Callable[[events.Key], Awaitable[None]]):
        self.app = app
        self.deliver = deliver  # the app's own handling of a key (forward it to the focus, or a binding)
        self.held: list[tuple[int, int, events.Key]] = []  # (order typed, tie, key)
        self.in_flight: events.Key | None = None  # a held key sent on, not handled yet: the next waits
        self._sent: dict[int, tuple[int, Screen | None]] = {}  # id(key) -> (order typed, screen sent to)
        self._typed = 0
        self._ready_screens: WeakSet[Screen] = WeakSet()
        self._timer = False
        self._since = 0.0  # when the wait for a ready screen began
        self._sent_at = 0.0  # when the key in flight was sent
        self._handled_at: float | None = None  # a key's bindings ran then: what they posted may still be queued

    @property
    def waiting(self) -> bool:
        """Keys wait, or one of them is on its way (tests wait for this to be False)."""
        self._done_if_stopped()
        return bool(self.held) or self.in_flight is not None

    # ------------------------------------------------------------- the app's calls
    def take(self, key: events.Key) -> bool:
        """True if the key waits here; False: the app handles it now as usual."""
        if key.is_forwarded:  # back from the focused widget and its parents, for the bindings
            typed, screen = self._sent.pop(id(key), (None, None))
            if typed is None or (screen is self._top() and not getattr(screen, "closing", False)):
                return False
            if key is self.in_flight:
                self.in_flight = None
            self._hold(typed, events.Key(key.key, key.character))  # typed for the screen it was sent to
            return True
        self._typed += 1
        self._done_if_stopped()
        if self.waiting or not self.ready():
            self._hold(self._typed, key)
            return True
        self._remember(self._typed, key)
        return False

    def sent(self, key: events.Key) -> None:
        """The app has sent a key it did not hold to the focused widget: the next key waits for it."""
        if key.is_forwarded and id(key) in self._sent:
            self.in_flight, self._sent_at = key, time.monotonic()

    def handled(self, key: events.Key) -> None:
        """The app has run the key's bindings: the next waiting key may go."""
        if key is self.in_flight:
            # Not at once: what the key started may still be on its way in messages (Enter's Input.Submitted
            # closes a dialog): a poll later, the next key sees the dialog closing and waits for the view below.
            self.in_flight = None
            self._handled_at = time.monotonic()
            self._wait()

    # ------------------------------------------------------------------ inside
    def _top(self) -> Screen | None:
        try:
            return self.app.screen
        except Exception:  # noqa: BLE001 - no screen while the app starts or ends
            return None

    def ready(self) -> bool:
        """The top screen is mounted, has its first focus, and is not closing."""
        screen = self._top()
        if screen is None:
            return True
        if getattr(screen, "closing", False):
            return False
        if screen not in self._ready_screens:
            if not (screen.is_mounted and (screen.focused is not None or not screen.focus_chain)):
                return False
            self._ready_screens.add(screen)
        return True

    def _remember(self, typed: int, key: events.Key) -> None:
        self._sent[id(key)] = (typed, self._top())
        while len(self._sent) > REMEMBERED:
            del self._sent[next(iter(self._sent))]

    def _hold(self, typed: int, key: events.Key) -> None:
        insort(self.held, (typed, id(key), key), key=lambda h: h[:2])
        self._wait()

    def _wait(self) -> None:
        if not self._timer:
            self._timer = True
            self._since = time.monotonic()
            self.app.set_timer(POLL, self._look)

    def _again(self) -> None:
        self.app.set_timer(POLL, self._look)

    def _settling(self) -> bool:
        """The last handled key's messages are not all dispatched yet, along the focus up to the screen.

        A poll was not enough: on a loaded machine Enter's Input.Submitted was still queued 10 ms later,
        so the key after it went into the dialog's box before the dialog closed (1 run in 10)."""
        if self._handled_at is None:
            return False
        if time.monotonic() - self._handled_at < SETTLE_MAX:
            node = self._top()
            node = getattr(node, "focused", None) or node
            while node is not None and node is not self.app:
                if node.message_queue_size:
                    return True
                node = node.parent
        self._handled_at = None
        return False

    def _done_if_stopped(self) -> None:
        """A key in flight that a widget stopped (a box took its letter) never comes back: it is handled."""
        key = self.in_flight
        if key is not None and (getattr(key, "_stop_propagation", False)
                                or time.monotonic() - self._sent_at >= IN_FLIGHT_MAX):
            self.in_flight = None

    def _look(self) -> None:
        waited = time.monotonic() - self._since
        self._done_if_stopped()
        if self.in_flight is not None or self._settling():
            return self._again()  # still on its way through the widgets, or what it started is
        screen = self._top()
        if screen is not None and not self.ready():
            if waited >= GIVE_UP:
                self._ready_screens.add(screen)
            elif screen.is_mounted and not getattr(screen, "closing", False):
                # Mounted without a focus yet: its on_mount asked for one with call_later, so this runs after.
                self._ready_screens.add(screen)
                self._timer = False
                self.app.call_later(self._release)
                return None
            else:
                return self._again()
        self._timer = False
        self.app.call_later(self._release, force=waited >= GIVE_UP)
        return None

    async def _release(self, force: bool = False) -> None:
        while self.held and self.in_flight is None:
            if not (force or self.ready()):
                self._wait()  # a key opened or closed a screen: the rest wait for it
                return
            force = False
            typed, _, key = self.held.pop(0)
            self._remember(typed, key)
            await self.deliver(key)
            if key.is_forwarded:  # sent to the focused widget: the next waits until it is handled
                self.in_flight, self._sent_at = key, time.monotonic()
                self._wait()
                return
            self._sent.pop(id(key), None)
