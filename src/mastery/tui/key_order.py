"""Keys are handled one at a time, in the order they were typed.

Why this exists (issue 13): Textual hands a key to the focused widget by posting it to that
widget's queue. The widget's own handlers run there, and the key then bubbles back up through
the screen to the app, where the bindings of the focused widget, its screen and the app are
looked up (`App._on_key`). Meanwhile the app has already taken the next keys from its own queue
and posted them to the same focused widget. So when `/` moved the focus to a search box, the
`vim` typed right after it (a paste, a burst over a slow SSH link) had already gone to the list
below: `v` shared or unshared a journal entry, `s` suspended a card. Moving the focus at once
(`Screen.set_focus` instead of `Widget.focus`, which defers it with `call_later`) does not help:
the keys are already on their way before the binding of `/` runs.

`OrderedKeysApp` holds each key until the one before it has been handled all the way up, and
until the callbacks that handling queued on the app (a deferred focus, a screen being pushed)
have run; then the next key goes to whatever has the focus by then. Text pasted in one piece
(a bracketed paste) waits its turn the same way. Keys typed one by one are never held: each is
handled long before the next arrives.
"""

from __future__ import annotations

from collections import deque
from functools import partial
from typing import TypeVar

from textual import events
from textual.app import App
from textual.message import Message
from textual.timer import Timer

ReturnType = TypeVar("ReturnType")

STUCK_AFTER = 2.0
"""Seconds after which held keys go on even though the key before them never said it was
handled (were the widget it went to removed with the message still queued). Never seen in
the test suite; long enough that a busy machine, slow to handle the key before, does not
let the next ones overtake it, which would bring back the bug this module fixes."""


Typed = events.Key | events.Paste
"""What the user types: keys, and text pasted in one piece (a paste right after `/` belongs
in the search box as much as typed keys do)."""


class KeyHandled(Message):
    """Posted right behind a key, to the node the key went to.

    Every node's queue is first in, first out and a key bubbles to the parent before the next
    message is taken, so when this message reaches the app, the key has been handled by every
    node on the way, the app's bindings included."""

    def __init__(self, key: Typed) -> None:
        super().__init__()
        self.key = key


class OrderedKeysApp(App[ReturnType]):
    """An app that hands keys to its widgets one at a time (see the module's docstring)."""

    def __init__(self) -> None:
        super().__init__()
        self._key_in_flight: Typed | None = None
        self._held_keys: deque[Typed] = deque()
        self._released_key: Typed | None = None
        self._stuck_timer: Timer | None = None

    async def on_event(self, event: events.Event) -> None:
        if not isinstance(event, Typed) or event.is_forwarded:
            await super().on_event(event)
            return
        if event is self._released_key:
            self._released_key = None
        elif self._key_in_flight is not None or self._held_keys or self._released_key is not None:
            self._held_keys.append(event)
            if self._stuck_timer is None and self._key_in_flight is not None:
                self._watch(self._key_in_flight)
            return
        self._key_in_flight = event
        if self._held_keys:
            self._watch(event)
        await super().on_event(event)
        # Forwarded: to the focused widget (or the screen), where it bubbles up from. Not
        # forwarded: a priority binding of the app or screen handled it here and now.
        target = (self.focused or self.screen) if event.is_forwarded else self
        target.post_message(KeyHandled(event))

    def on_key_handled(self, message: KeyHandled) -> None:
        message.stop()
        self._key_done(message.key)

    def _watch(self, key: Typed) -> None:
        """Keys are waiting behind `key`: go on without its `KeyHandled` if it never comes."""
        if self._stuck_timer is not None:
            self._stuck_timer.stop()
        self._stuck_timer = self.set_timer(STUCK_AFTER, partial(self._key_done, key))

    def _key_done(self, key: Typed | None) -> None:
        """The key in flight is handled: send the next one held, behind whatever the handling
        queued on the app (so a focus it moved has moved)."""
        if key is None or key is not self._key_in_flight:
            return
        self._key_in_flight = None
        if self._stuck_timer is not None:
            self._stuck_timer.stop()
            self._stuck_timer = None
        if self._held_keys:
            self._released_key = self._held_keys.popleft()
            self.post_message(self._released_key)
