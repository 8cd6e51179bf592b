"""The channels that sync (channels.py), in the order their received events are applied."""

from __future__ import annotations

from pydantic import BaseModel

from mastery.sync.cardstate import CardStates
from mastery.sync.channels import Channel
from mastery.sync.revisions import Revisions

CHANNELS: list[Channel] = [CardStates(), Revisions()]


def channel_of(event: BaseModel) -> Channel | None:
    """The channel an event belongs to (None: an answer or undo, `merge.py`'s)."""
    for channel in CHANNELS:
        if isinstance(event, channel.kinds):
            return channel
    return None
