"""The channels that sync (channels.py), in the order their received events are applied."""

from __future__ import annotations

from pydantic import BaseModel

from mastery.sync.cardstate import CardStates
from mastery.sync.channels import Channel
from mastery.sync.content import Contents
from mastery.sync.personal import personal_channel
from mastery.sync.revisions import Revisions
from mastery.sync.settings import settings_channel

# Content first: a card state or an answer can be for a card a content event creates.
CHANNELS: list[Channel] = [
    Contents(),
    CardStates(),
    settings_channel(),
    personal_channel(),
    Revisions(),
]


def channel_of(event: BaseModel) -> Channel | None:
    """The channel an event belongs to (None: an answer or undo, `merge.py`'s)."""
    for channel in CHANNELS:
        if isinstance(event, channel.kinds):
            return channel
    return None
