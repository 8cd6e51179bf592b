"""A member's contribution to a round: measured from the profile, split, sealed to stewards.

The vector (`layout.py` says what each coordinate means) is computed from the team's decks
only: a personal deck never counts, whatever its id, because team decks live under keys of
their own (`<team>/<deck>`). It is then split into random additive shares modulo 2**64, one
per steward: each share alone is uniformly random, so a steward learns nothing from its share,
and only the sum of all shares is the vector. Each share is signed by the member and sealed to
its steward (`Identity.seal`), so only that steward can open it and nobody can forge it.

What a reader of the team's folder sees of a contribution: that some member contributed to
the round (a file appeared), when, and its size. No name, no stable pseudonym (file names are
random per write), no figure.
"""

from __future__ import annotations

import base64
import secrets
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import nacl.utils

from mastery.days import from_ms, streak, to_ms
from mastery.decks.namespace import team_deck_key
from mastery.identity import Identity
from mastery.states import MATURE_DAYS, CardState, Rating, scheduled
from mastery.team.config import DECKS_DIR, TeamConfig, TeamError
from mastery.team.layout import (
    AGAIN_CLIP,
    RETENTION_EDGES,
    SHARE_EDGES,
    STREAK_EDGES,
    Layout,
    bucket,
)
from mastery.team.peers import round_label
from mastery.team.wire import (
    CONTRIBUTION_FORMAT,
    MODULUS,
    SHARE_FORMAT,
    dumps,
    encode_vector,
    round_days,
)

if TYPE_CHECKING:
    import sqlite3

    from mastery.collection import Collection

__all__ = ["member_vector", "seal_contribution", "split"]

STREAK_DAYS = 101  # enough to tell the last bucket (100+) from the others


def _local_deck(conn: sqlite3.Connection, config: TeamConfig, deck_id: str) -> int | None:
    """The profile's copy of a team deck: under its namespaced key, or (pulled before decks
    were namespaced) under its plain id when it was imported from this team's folder."""
    row = conn.execute(
        "SELECT id FROM deck WHERE key = ?", (team_deck_key(config.id, deck_id),)
    ).fetchone()
    if row is not None:
        return int(row["id"])
    row = conn.execute("SELECT id, source FROM deck WHERE key = ?", (deck_id,)).fetchone()
    if row is None or not row["source"]:
        return None
    try:
        source = Path(row["source"]).expanduser().resolve()
    except (OSError, RuntimeError):
        return None
    return int(row["id"]) if source.is_relative_to(config.folder / DECKS_DIR) else None


def member_vector(
    col: Collection, config: TeamConfig, layout: Layout, round_id: str, *, now: datetime
) -> list[int]:
    """This profile's contribution to a round: activity in the round's days up to `now`,
    states (coverage, maturity, streaks, goals) as of `now`. Every coordinate 0 or 1."""
    conn, clock = col.conn, col.clock
    monday, sunday = round_days(round_id)
    start = to_ms(clock.day_start(monday))
    end = min(to_ms(clock.day_start(sunday + timedelta(days=1))), to_ms(now) + 1)
    vector = [0] * layout.size
    team_cards: list[int] = []
    active_days: set[int] = set()
    again_counts: list[tuple[int, int, int]] = []  # (-presses, position, coordinate)
    mature_by_deck: dict[str, tuple[int, int]] = {}
    for deck_id, card_ids in layout.decks:
        local = _local_deck(conn, config, deck_id)
        size = len(card_ids)
        studied = mature = 0
        position = {key: n for n, key in enumerate(card_ids)}
        ids: dict[int, int] = {}  # card row id -> position in the layout
        if local is not None:
            for card in conn.execute(
                "SELECT id, key, state, stability FROM card WHERE deck_id = ? AND in_deck = 1",
                (local,),
            ):
                at = position.get(card["key"])
                if at is None:
                    continue  # a card the team's file no longer has
                ids[card["id"]] = at
                if card["state"] != CardState.NEW:
                    studied += 1
                    mature += (card["stability"] or 0) >= MATURE_DAYS
        team_cards.extend(ids)
        vector[layout.at(f"coverage:{deck_id}") + bucket(_share(studied, size), SHARE_EDGES)] = 1
        vector[layout.at(f"maturity:{deck_id}") + bucket(_share(mature, size), SHARE_EDGES)] = 1
        mature_by_deck[deck_id] = (mature, size)
        answered = passed = reviewed = 0
        presses: dict[int, int] = {}
        for chunk in _chunks(list(ids)):
            marks = ",".join("?" * len(chunk))
            for r in conn.execute(
                f"SELECT card_id, rating, state_before, reviewed_at FROM reviewlog "
                f"WHERE card_id IN ({marks}) AND {scheduled()} "
                "AND reviewed_at >= ? AND reviewed_at < ?",
                (*chunk, start, end),
            ):
                reviewed += 1
                active_days.add((clock.day_of(from_ms(r["reviewed_at"])) - monday).days)
                if r["state_before"] == CardState.REVIEW:
                    answered += 1
                    passed += r["rating"] != Rating.AGAIN
                if r["rating"] == Rating.AGAIN:
                    presses[r["card_id"]] = presses.get(r["card_id"], 0) + 1
        if reviewed:
            retention = 0 if not answered else 1 + bucket(passed / answered, RETENTION_EDGES)
            vector[layout.at(f"retention:{deck_id}") + retention] = 1
        base = layout.at(f"again:{deck_id}")
        again_counts += [(-n, ids[card], base + ids[card]) for card, n in presses.items()]
    for day in active_days:
        if 0 <= day < 7:
            vector[day] = 1
    for _, _, coordinate in sorted(again_counts)[:AGAIN_CLIP]:
        vector[coordinate] = 1
    streak = _team_streak(col, team_cards, now)
    vector[layout.at("review_streak") + bucket(streak, STREAK_EDGES)] = 1
    journal = col.journal.streak(now)
    vector[layout.at("journal_streak") + bucket(journal, STREAK_EDGES)] = 1
    for goal in config.goals:
        if goal.id not in layout.goals:
            continue
        mature = sum(mature_by_deck.get(d, (0, 0))[0] for d in goal.decks)
        total = sum(mature_by_deck.get(d, (0, 0))[1] for d in goal.decks)
        vector[layout.at(f"progress:{goal.id}") + bucket(_share(mature, total), SHARE_EDGES)] = 1
    return vector


def _share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def _chunks(ids: list[int], size: int = 900) -> list[list[int]]:
    """SQLite takes at most 999 parameters in older builds."""
    return [ids[i : i + size] for i in range(0, len(ids), size)]


def _team_streak(col: Collection, cards: list[int], now: datetime) -> int:
    """Consecutive learner's days, up to today (or yesterday), with a review of a team card."""
    clock = col.clock
    today = clock.day_of(now)
    since = to_ms(clock.day_start(today - timedelta(days=STREAK_DAYS)))
    days: set[date] = set()
    for chunk in _chunks(cards):
        marks = ",".join("?" * len(chunk))
        for r in col.conn.execute(
            f"SELECT reviewed_at FROM reviewlog WHERE card_id IN ({marks}) AND {scheduled()} "
            "AND reviewed_at >= ?",
            (*chunk, since),
        ):
            days.add(clock.day_of(from_ms(r["reviewed_at"])))
    return streak(days, today)


def split(vector: list[int], parts: int) -> list[list[int]]:
    """Additive shares modulo 2**64: `parts - 1` uniformly random vectors and the one that
    makes them sum to `vector`. Randomness is libsodium's."""
    if parts < 1:
        raise ValueError("at least one share")
    shares = []
    for _ in range(parts - 1):
        raw = nacl.utils.random(8 * len(vector))
        shares.append([int.from_bytes(raw[i : i + 8], "little") for i in range(0, len(raw), 8)])
    last = [(value - sum(share[i] for share in shares)) % MODULUS for i, value in enumerate(vector)]
    return [*shares, last]


def seal_contribution(
    identity: Identity,
    config: TeamConfig,
    layout: Layout,
    round_id: str,
    vector: list[int],
    *,
    now: datetime,
) -> bytes:
    """The contribution file: one share per steward in team.toml's order, each sealed to its
    steward under the key this profile shares with it (`Identity.seal_paired`), tagged for
    this team's round."""
    if not config.stewards:
        raise TeamError(
            config.folder / "team.toml",
            "the team names no stewards yet, so there is nobody to add up contributions: "
            "its lead adds [[stewards]] (see docs/teams.md)",
        )
    contribution = secrets.token_hex(16)
    sealed = []
    for steward, share in zip(config.stewards, split(vector, len(config.stewards)), strict=True):
        payload = {
            "format": SHARE_FORMAT,
            "version": 1,
            "team": config.id,
            "round": round_id,
            "contribution": contribution,
            "layout": layout.digest,
            "created_at": now.astimezone(UTC).isoformat(timespec="milliseconds"),
            "length": len(share),
            "share": encode_vector(share),
        }
        box = identity.seal_paired(
            dumps(payload), to=steward.identity, label=round_label(config.id, round_id)
        )
        sealed.append(base64.b64encode(box).decode("ascii"))
    return dumps(
        {
            "format": CONTRIBUTION_FORMAT,
            "version": 1,
            "team": config.id,
            "round": round_id,
            "shares": sealed,
        }
    )
