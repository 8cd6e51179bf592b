"""The report over plaintext member records (the first team design, see records.py)."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from mastery import collector
from mastery.errors import MasteryError
from mastery.present import plural
from mastery.team_formats import (
    SummaryRecord,
)

if TYPE_CHECKING:
    pass

from mastery.team.config import (
    HEATMAP_WEEKS,
    STREAK_BUCKETS,
    TeamConfig,
    TeamGoal,
)
from mastery.team.records import SummaryProblem, read_records


# ----------------------------------------------------------------------------- the report
@dataclass(frozen=True, slots=True)
class Figure:
    """A number built from `members` members; `value` is None when suppressed (< k)."""

    value: float | None
    members: int
    suppressed: bool

    def to_dict(self) -> dict[str, Any]:
        return {"value": self.value, "members": self.members, "suppressed": self.suppressed}


def _figure(values: list[float], k: int, digits: int = 4) -> Figure:
    if len(values) < k:
        return Figure(None, len(values), True)
    return Figure(round(statistics.fmean(values), digits), len(values), False)


@dataclass(frozen=True, slots=True)
class DeckFigures:
    deck: str
    cards: int
    active_members: Figure
    coverage: Figure
    retention: Figure
    maturity: Figure

    def to_dict(self) -> dict[str, Any]:
        return {
            "deck": self.deck,
            "cards": self.cards,
            "active_members": self.active_members.to_dict(),
            "coverage": self.coverage.to_dict(),
            "retention": self.retention.to_dict(),
            "maturity": self.maturity.to_dict(),
        }


@dataclass(frozen=True, slots=True)
class CardFigures:
    """A card's pooled figures: lapse rate = lapses / reviews over members who studied it."""

    deck: str
    card: str
    members: int
    reviews: int
    lapses: int
    lapse_rate: float | None
    median_difficulty: float | None
    suppressed: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "deck": self.deck,
            "card": self.card,
            "members": self.members,
            "reviews": None if self.suppressed else self.reviews,
            "lapses": None if self.suppressed else self.lapses,
            "lapse_rate": self.lapse_rate,
            "median_difficulty": self.median_difficulty,
            "suppressed": self.suppressed,
        }


@dataclass(frozen=True, slots=True)
class TeamReport:
    """What the team's summary says, with every figure from fewer than k members suppressed."""

    team: str
    name: str
    vision: str
    k: int
    members: int
    today: date
    goals: list[tuple[TeamGoal, Figure]]
    heatmap: list[tuple[date, int | None]]  # last 26 weeks; None when suppressed
    heatmap_suppressed: bool
    decks: list[DeckFigures]
    hardest: list[CardFigures]
    cards: dict[str, list[CardFigures]]  # per deck, by again-rate (only with --cards)
    streaks: dict[str, dict[str, int | None]]  # review/journal -> bucket -> members
    streaks_suppressed: bool
    problems: list[SummaryProblem] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        def streaks() -> dict[str, Any]:
            return {
                kind: {"buckets": b, "suppressed": self.streaks_suppressed}
                for kind, b in self.streaks.items()
            }

        return {
            "team": self.team,
            "name": self.name,
            "vision": self.vision,
            "k": self.k,
            "members": self.members,
            "today": self.today.isoformat(),
            "goals": [{**g.to_dict(), "progress": f.to_dict()} for g, f in self.goals],
            "heatmap": {
                "suppressed": self.heatmap_suppressed,
                "days": [{"date": d.isoformat(), "reviews": n} for d, n in self.heatmap],
            },
            "decks": [d.to_dict() for d in self.decks],
            "hardest_cards": [c.to_dict() for c in self.hardest],
            "cards": {deck: [c.to_dict() for c in cards] for deck, cards in self.cards.items()},
            "streaks": streaks(),
            "difficulty_note": "median_difficulty is FSRS difficulty (1-10) over members",
            "skipped_files": [str(p) for p in self.problems],
        }


def _deck_sizes(config: TeamConfig) -> dict[str, int]:
    """Cards per deck id in the team folder's deck files (a file that fails to load is left
    out: `team pull` and `deck check` report it)."""
    from mastery.decks import load_deck

    sizes: dict[str, int] = {}
    for path in config.deck_files:
        try:
            spec = load_deck(path)
        except MasteryError:
            continue
        sizes[spec.key] = len(spec.cards)
    return sizes


def build_report(
    config: TeamConfig,
    *,
    now: datetime,
    records: list[SummaryRecord] | None = None,
    problems: list[SummaryProblem] | None = None,
    cards: bool = False,
    hardest: int = 10,
) -> TeamReport:
    """Aggregate the team's member records into a `TeamReport` (k-anonymous)."""
    if records is None:
        with collector.paused():
            records, problems = read_records(config.folder, config.id, now.date())
    k = config.k
    today = now.date()
    if records:
        today = max(r.synced_on for r in records)
    goals = [
        (g, _figure([float(r.goals[g.id]) for r in records if g.id in r.goals], k))
        for g in config.goals
    ]
    # heatmap: 26 whole weeks ending on the week of `today`, Monday first
    start = today - timedelta(days=today.weekday()) - timedelta(weeks=HEATMAP_WEEKS - 1)
    totals: dict[str, int] = {}
    first = start.isoformat()
    for r in records:
        for day, n in r.daily.items():
            if day >= first:
                totals[day] = totals.get(day, 0) + n
    heat_suppressed = len(records) < k
    days = [start + timedelta(days=i) for i in range((today - start).days + 1)]
    heatmap = [(d, None if heat_suppressed else totals.get(d.isoformat(), 0)) for d in days]
    deck_figures = []
    pooled: dict[tuple[str, str], list[Any]] = {}
    sizes = _deck_sizes(config)
    for deck in config.decks:
        having = [r.decks[deck] for r in records if deck in r.decks]
        # Cards in the deck as the team's file has them now; members' own counts may lag.
        size = sizes.get(deck) or max((d.cards for d in having), default=0)
        active = sum(1 for d in having if d.reviews_30d > 0)
        deck_figures.append(
            DeckFigures(
                deck,
                size,
                Figure(None, len(having), True)
                if len(having) < k
                else Figure(float(active), len(having), False),
                _figure([min(1.0, d.studied / size) for d in having if size], k),
                _figure([d.retention_30d for d in having if d.retention_30d is not None], k),
                _figure([d.mature / d.cards for d in having if d.cards], k),
            )
        )
        for d in having:
            for card, s in d.card_stats.items():
                entry = pooled.setdefault((deck, card), [0, 0, 0, []])
                entry[0] += 1
                entry[1] += s.reviews
                entry[2] += s.lapses
                if s.difficulty is not None:
                    entry[3].append(s.difficulty)
    card_figures = []
    for (deck, card), (members, reviews, lapses, diffs) in pooled.items():
        hidden = members < k
        card_figures.append(
            CardFigures(
                deck,
                card,
                members,
                reviews,
                lapses,
                None if hidden or not reviews else round(lapses / reviews, 4),
                None if hidden or not diffs else round(statistics.median(diffs), 2),
                hidden,
            )
        )
    # Only cards that lapsed: with none, a list sorted by a rate of 0% is arbitrary.
    shown = [c for c in card_figures if not c.suppressed and c.lapse_rate and c.lapses]
    shown.sort(key=lambda c: (-c.lapse_rate, -c.reviews, c.deck, c.card))  # type: ignore[operator]
    per_deck: dict[str, list[CardFigures]] = {}
    if cards:
        for deck in config.decks:
            mine = [c for c in card_figures if c.deck == deck]
            mine.sort(key=lambda c: (c.suppressed, -(c.lapse_rate or 0), c.card))
            per_deck[deck] = mine
    streak_suppressed = len(records) < k
    streaks: dict[str, dict[str, int | None]] = {}
    for kind in ("review", "journal"):
        buckets: dict[str, int | None] = {}
        for label, low, high in STREAK_BUCKETS:
            n = sum(
                1
                for r in records
                if low <= getattr(r.streaks, kind)
                and (high is None or getattr(r.streaks, kind) <= high)
            )
            buckets[label] = None if streak_suppressed else n
        streaks[kind] = buckets
    return TeamReport(
        config.id,
        config.name,
        config.vision,
        k,
        len(records),
        today,
        goals,
        heatmap,
        heat_suppressed,
        deck_figures,
        shown[:hardest],
        per_deck,
        streaks,
        streak_suppressed,
        list(problems or []),
    )


# ----------------------------------------------------------------------------- rendering
SHADES = " ░▒▓█"


def _show(fig: Figure, k: int, fmt: str = "{:.0%}") -> str:
    return (
        f"suppressed (<{k} members)"
        if fig.suppressed or fig.value is None
        else fmt.format(fig.value)
    )


def heatmap_rows(report: TeamReport) -> list[str]:
    """Seven rows (Mon..Sun) of shade characters, one column per week."""
    peak = max((n or 0 for _, n in report.heatmap), default=0)
    rows = [""] * 7
    weeks = (len(report.heatmap) + 6) // 7
    grid = {d: n for d, n in report.heatmap}
    start = report.heatmap[0][0] if report.heatmap else report.today
    for w in range(weeks):
        for wd in range(7):
            day = start + timedelta(days=w * 7 + wd)
            n = grid.get(day)
            if day not in grid:
                ch = " "
            elif not n or not peak:
                ch = "·"
            else:
                ch = SHADES[min(4, 1 + int(3 * n / peak))]
            rows[wd] += ch
    return rows


def render_text(report: TeamReport, *, markdown: bool = False) -> str:
    """The report as plain text, or as Markdown with `markdown=True` (pure function)."""
    k = report.k
    out: list[str] = []
    h1, h2 = ("# ", "## ") if markdown else ("", "")
    bullet = "- " if markdown else "  "
    out.append(
        f"{h1}Team {report.name} ({report.team}) · {plural(report.members, 'member')} · k={k}"
    )
    if report.vision:
        out += ["", f"> {report.vision}" if markdown else f"Vision: {report.vision}"]
    for p in report.problems:
        out.append(f"warning: skipped {p}")
    out += ["", f"{h2}Team goals"]
    if not report.goals:
        out.append(f"{bullet}(none in team.toml)")
    for goal, fig in report.goals:
        target = f" · target {goal.target.isoformat()}" if goal.target else ""
        shown = _show(fig, k) + ("" if fig.suppressed else " of cards mature")
        out.append(f"{bullet}{goal.title}: {shown}{target}")
    out += ["", f"{h2}Activity (last {HEATMAP_WEEKS} weeks)"]
    if report.heatmap_suppressed:
        out.append(f"{bullet}suppressed (<{k} members)")
    else:
        rows = heatmap_rows(report)
        if markdown:
            out.append("```")
        out += [
            f"{name} {row}"
            for name, row in zip(
                ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"), rows, strict=True
            )
        ]
        if markdown:
            out.append("```")
    out += ["", f"{h2}Decks"]
    if markdown:
        out += [
            "",
            "| Deck | Cards | Active (30d) | Coverage | Retention | Maturity |",
            "|---|---|---|---|---|---|",
        ]
    for d in report.decks:
        cells = [
            d.deck,
            str(d.cards),
            _show(d.active_members, k, "{:.0f}"),
            _show(d.coverage, k),
            _show(d.retention, k),
            _show(d.maturity, k),
        ]
        if markdown:
            out.append("| " + " | ".join(cells) + " |")
        else:
            out.append(
                f"{bullet}{cells[0]}: {cells[1]} cards · active {cells[2]} · coverage "
                f"{cells[3]} · retention {cells[4]} · maturity {cells[5]}"
            )
    out += ["", f"{h2}Hardest cards to discuss (lapses / reviews, pooled)"]
    if not report.hardest:
        out.append(
            f"{bullet}none lapsed yet (cards studied by fewer than {k} members are suppressed)"
        )
    for c in report.hardest:
        diff = (
            f" · median difficulty {c.median_difficulty:.1f}"
            if c.median_difficulty is not None
            else ""
        )
        out.append(
            f"{bullet}{c.deck}/{c.card}: {c.lapse_rate:.0%} of reviews lapsed "
            f"({c.lapses}/{c.reviews}, {c.members} members){diff}"
        )
    for deck, cards in report.cards.items():
        out += ["", f"{h2}Cards of {deck} by lapse rate (lapses / reviews)"]
        if not cards:
            out.append(f"{bullet}no card studied yet")
        for c in cards:
            rate = (
                f"suppressed (<{k} members)"
                if c.suppressed
                else (f"{c.lapse_rate:.0%}" if c.lapse_rate is not None else "no reviews")
            )
            out.append(f"{bullet}{c.card}: {rate}")
    out += ["", f"{h2}Streaks (members per bucket)"]
    if report.streaks_suppressed:
        out.append(f"{bullet}suppressed (<{k} members)")
    else:
        for kind, buckets in report.streaks.items():
            counts = " · ".join(f"{label}d: {n}" for label, n in buckets.items())
            out.append(f"{bullet}{kind}: {counts}")
    return "\n".join(out) + "\n"
