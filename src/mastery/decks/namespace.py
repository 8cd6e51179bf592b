"""Team decks live under keys namespaced by their team: ``<team-id>/<deck-id>``.

A deck file's id (`DECK_ID`: lowercase letters, digits, dashes) is the key of a personal deck
as it is, so a personal key never holds a ``/``, and a team deck's key always does. A team pull
therefore can never update, take over or count a learner's own deck with the same id, two teams
with the same deck id get two decks, and a personal import can never write into a team's
namespace (its file's id cannot contain ``/``). Team ids have the same shape as deck ids.
"""

from __future__ import annotations

from dataclasses import replace

from mastery.decks.spec import DECK_ID, DeckSpec

SEPARATOR = "/"


def team_deck_key(team_id: str, deck_id: str) -> str:
    """The profile's key of deck `deck_id` of team `team_id`.

    Both ids come validated from the team folder, so a malformed one is a bug in the caller:
    a `ValueError`, not a key that could collide with another team's or a personal deck.
    """
    if not DECK_ID.fullmatch(team_id):
        raise ValueError(f"not a team id: {team_id!r}")
    if not DECK_ID.fullmatch(deck_id):
        raise ValueError(f"not a deck id: {deck_id!r}")
    return f"{team_id}{SEPARATOR}{deck_id}"


def split_team_deck_key(key: str) -> tuple[str, str] | None:
    """(team id, deck id) of a team deck's key; None for a personal deck's (or any other) key."""
    team_id, sep, deck_id = key.partition(SEPARATOR)
    if not sep or not DECK_ID.fullmatch(team_id) or not DECK_ID.fullmatch(deck_id):
        return None
    return team_id, deck_id


def in_team(spec: DeckSpec, team_id: str) -> DeckSpec:
    """A team's deck file as it is stored in the profile: under its namespaced key, with note
    keys (``deck/note``, what makes cards siblings) namespaced too, so reviewing a team card
    never buries a card of a personal deck with the same id. Card keys stay as in the file:
    review history follows them across pulls."""
    return replace(
        spec,
        key=team_deck_key(team_id, spec.key),
        cards=tuple(
            replace(card, note_key=f"{team_id}{SEPARATOR}{card.note_key}") for card in spec.cards
        ),
    )


def deck_label(key: str, name: str) -> str:
    """How lists and pickers name a deck: its name, and its team if it has one, so a team's
    "Git Essentials" and the learner's own are told apart."""
    split = split_team_deck_key(key)
    return f"{name} ({split[0]})" if split else name


def file_deck_id(key: str) -> str:
    """The id a deck file of this deck carries: the key without its team (deck export)."""
    split = split_team_deck_key(key)
    return split[1] if split else key


__all__ = [
    "SEPARATOR",
    "deck_label",
    "file_deck_id",
    "in_team",
    "split_team_deck_key",
    "team_deck_key",
]
