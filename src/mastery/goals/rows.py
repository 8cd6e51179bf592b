"""Stored goals read back: goal rows, references typed by people (a number or words of a
title), milestones, check-ins, realities and linked decks. Rows are read by column name.

`GoalRows` is the base of `Goals`; nothing here writes.
"""

from __future__ import annotations

import builtins
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from mastery.days import from_ms, stored_day
from mastery.errors import MasteryError, NotFoundError
from mastery.goals.views import CheckInView, MilestoneView
from mastery.limits import ref_number
from mastery.refs import pick_by_title

if TYPE_CHECKING:
    from mastery.collection import Collection

_GOAL_COLUMNS = (
    "id, title, vision, category, target_date, status, cadence, visibility, created_at, "
    "updated_at, closed_at, uid, conflict_of"
)


@dataclass(frozen=True, slots=True)
class GoalRow:
    """A goal row, decoded."""

    id: int
    title: str
    vision: str
    category: str
    target: date | None
    status: str
    cadence: str | None
    visibility: str
    created_at: datetime
    closed_at: datetime | None
    uid: str
    conflict_of: str | None


class GoalRows:
    """Reading a profile's stored goals (the base of `Goals`)."""

    def __init__(self, col: Collection) -> None:
        self.col = col

    @property
    def _conn(self) -> sqlite3.Connection:
        return self.col.conn

    def _resolve(self, ref: int | str) -> int:
        """A goal id from its number, its uid (g-..., as sync and mentor files name it) or
        words of its title (`refs.pick_by_title`)."""
        text = str(ref).strip()
        if not text:
            raise MasteryError("which goal? give its number or words of its title")
        if text.startswith("g-"):
            by_uid = self._conn.execute("SELECT id FROM goal WHERE uid = ?", (text,)).fetchone()
            if by_uid is not None:
                return int(by_uid["id"])
        if text.isdigit():
            number = ref_number(text)  # None: too long or not ASCII, so no goal has it
            row = (
                None
                if number is None
                else self._conn.execute("SELECT id FROM goal WHERE id = ?", (number,)).fetchone()
            )
            if row is None:
                raise NotFoundError(f"no goal {text}; see `mastery goal list`")
            return int(row["id"])
        rows = self._conn.execute("SELECT id, title FROM goal ORDER BY id").fetchall()
        return pick_by_title(
            [(int(r["id"]), r["title"]) for r in rows], text, "goal", see="mastery goal list"
        )

    def _resolve_milestone(self, goal_id: int, ref: int | str) -> tuple[int, int, str]:
        rows = self._conn.execute(
            "SELECT id, position, title FROM milestone WHERE goal_id = ? ORDER BY position",
            (goal_id,),
        ).fetchall()
        text = str(ref).strip()
        if text.isdigit():
            found = [r for r in rows if r["position"] == ref_number(text)]
            if not found:
                raise NotFoundError(
                    f"no milestone {text}: this goal has {len(rows)} (numbered from 1)"
                )
        else:
            if not text:
                raise MasteryError("which milestone? give its number or words of its title")
            position = pick_by_title(
                [(int(r["position"]), r["title"]) for r in rows], text, "milestone"
            )
            found = [r for r in rows if r["position"] == position]
        return int(found[0]["id"]), int(found[0]["position"]), found[0]["title"]

    def _goal(self, goal_id: int) -> GoalRow:
        goals = self._goals("WHERE id = ?", (goal_id,))
        if not goals:
            raise NotFoundError(f"no goal {goal_id}; see `mastery goal list`")
        return goals[0]

    def _goals(self, where: str, params: Sequence[Any] = ()) -> builtins.list[GoalRow]:
        return [
            GoalRow(
                id=r["id"],
                title=r["title"],
                vision=r["vision"],
                category=r["category"],
                target=stored_day(r["target_date"]) if r["target_date"] else None,
                status=r["status"],
                cadence=r["cadence"],
                visibility=r["visibility"],
                created_at=from_ms(r["created_at"]),
                closed_at=from_ms(r["closed_at"]) if r["closed_at"] is not None else None,
                uid=r["uid"],
                conflict_of=r["conflict_of"],
            )
            for r in self._conn.execute(f"SELECT {_GOAL_COLUMNS} FROM goal {where}", params)
        ]

    def _goals_by_id(self, ids: Sequence[int]) -> builtins.list[GoalRow]:
        if not ids:
            return []
        marks = ",".join("?" * len(ids))
        return self._goals(f"WHERE id IN ({marks}) ORDER BY id", ids)

    def _deck_ids(self, keys: Iterable[str]) -> builtins.list[int]:
        if isinstance(keys, str):
            keys = [keys]
        ids: builtins.list[int] = []
        for key in keys:
            row = self._conn.execute("SELECT id FROM deck WHERE key = ?", (key.strip(),)).fetchone()
            if row is None:
                raise NotFoundError(f"no deck {key!r}; see `mastery decks`")
            if row["id"] not in ids:
                ids.append(int(row["id"]))
        return ids

    def _reality(self, goal_id: int) -> str:
        row = self._conn.execute(
            "SELECT text FROM goalreality WHERE goal_id = ? ORDER BY recorded_at DESC, id DESC "
            "LIMIT 1",
            (goal_id,),
        ).fetchone()
        return row["text"] if row else ""

    def _milestones(self, goal_id: int) -> builtins.list[MilestoneView]:
        clock = self.col.clock
        return [
            MilestoneView(
                r["position"],
                r["title"],
                r["done_at"] is not None,
                clock.day_of(from_ms(r["done_at"])) if r["done_at"] is not None else None,
            )
            for r in self._conn.execute(
                "SELECT position, title, done_at FROM milestone WHERE goal_id = ? "
                "ORDER BY position",
                (goal_id,),
            )
        ]

    def _check_ins(self, goal_id: int) -> builtins.list[CheckInView]:
        return [
            CheckInView(stored_day(r["day"]), r["confidence"], r["note"])
            for r in self._conn.execute(
                "SELECT day, confidence, note FROM checkin WHERE goal_id = ? "
                "ORDER BY day, recorded_at, id",
                (goal_id,),
            )
        ]
