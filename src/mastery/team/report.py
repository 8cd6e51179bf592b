"""The team report: the stewards' partial sums added up, decoded, shown with their noise.

Only a round that every steward published, with the same contributions and layout, and with
at least k members, is shown; its figures are the sum of the partial sums (the shares cancel,
the noise stays). Each figure comes with the half-width of its 95% interval, from the noise
the stewards state in their signed partial sums. Nothing here sees one member's figures:
there are none to see.
"""

from __future__ import annotations

import base64
import binascii
import math
from dataclasses import dataclass, field
from datetime import date, timedelta
from statistics import NormalDist
from typing import Any

from mastery.identity import (
    IdentityFormatError,
    PublicIdentity,
    SignatureError,
    claimed_message,
    verify,
)
from mastery.team.config import HEATMAP_WEEKS, TeamConfig
from mastery.team.layout import (
    BUCKET_MIDPOINTS,
    BUCKETS,
    DAYS,
    RETENTION_BUCKETS,
    RETENTION_MIDPOINTS,
    STREAK_BUCKETS,
    Layout,
)
from mastery.team.noise import Z95, count_margin
from mastery.team.roster import entry_name
from mastery.team.store import TeamStore
from mastery.team.wire import (
    MODULUS,
    PartialPayload,
    SignedFile,
    WireProblem,
    decode_vector,
    parse,
    round_days,
    round_of,
)

__all__ = ["Estimate", "RoundFigures", "RoundsReport", "build_rounds_report", "read_partials"]

HARDEST_ROUNDS = 4  # the hardest cards pool this many latest shown rounds
HARDEST = 10


@dataclass(frozen=True, slots=True)
class Estimate:
    """A noisy team figure: `value` (None when not shown) and the half-width of its 95%
    interval, in the figure's own unit (members, or a share from 0 to 1)."""

    value: float | None
    margin: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "value": None if self.value is None else round(self.value, 4),
            "margin": round(self.margin, 4),
        }


@dataclass(frozen=True, slots=True)
class DeckRound:
    deck: str
    cards: int
    active: Estimate  # members who studied the deck in the round
    coverage: Estimate  # mean share of the deck's cards studied
    maturity: Estimate
    retention: Estimate  # mean over members who answered review-state cards
    coverage_buckets: list[Estimate]
    maturity_buckets: list[Estimate]
    retention_buckets: list[Estimate]

    def to_dict(self) -> dict[str, Any]:
        return {
            "deck": self.deck,
            "cards": self.cards,
            "active_members": self.active.to_dict(),
            "coverage": self.coverage.to_dict(),
            "maturity": self.maturity.to_dict(),
            "retention": self.retention.to_dict(),
            "coverage_members": _buckets(BUCKETS, self.coverage_buckets),
            "maturity_members": _buckets(BUCKETS, self.maturity_buckets),
            "retention_members": _buckets(RETENTION_BUCKETS, self.retention_buckets),
        }


def _buckets(labels: tuple[str, ...], values: list[Estimate]) -> dict[str, Any]:
    return {label: v.to_dict() for label, v in zip(labels, values, strict=True)}


@dataclass(slots=True)
class RoundFigures:
    """One round: its status and, when shown, its figures."""

    round: str
    status: str  # shown | suppressed | waiting | disagree
    members: int
    detail: str = ""
    days: list[Estimate] = field(default_factory=list)
    decks: list[DeckRound] = field(default_factory=list)
    again: dict[tuple[str, str], float] = field(default_factory=dict)
    review_streak: list[Estimate] = field(default_factory=list)
    journal_streak: list[Estimate] = field(default_factory=list)
    goals: dict[str, tuple[Estimate, list[Estimate]]] = field(default_factory=dict)
    sigma: float = 0.0  # of the summed noise, per coordinate

    @property
    def shown(self) -> bool:
        return self.status == "shown"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "round": self.round,
            "status": self.status,
            "members": self.members,
            "detail": self.detail,
        }
        if self.shown:
            monday, _ = round_days(self.round)
            out |= {
                "active_members_per_day": {
                    (monday + timedelta(days=i)).isoformat(): e.to_dict()
                    for i, e in enumerate(self.days)
                },
                "decks": [d.to_dict() for d in self.decks],
                "review_streak_members": _buckets(STREAK_BUCKETS, self.review_streak),
                "journal_streak_members": _buckets(STREAK_BUCKETS, self.journal_streak),
                "goals": {
                    g: {"progress": mean.to_dict(), "members": _buckets(BUCKETS, hist)}
                    for g, (mean, hist) in self.goals.items()
                },
                "noise_sigma": round(self.sigma, 4),
            }
        return out


@dataclass(frozen=True, slots=True)
class HardCard:
    deck: str
    card: str
    members: Estimate  # members who pressed Again on it, summed over the pooled rounds

    def to_dict(self) -> dict[str, Any]:
        return {
            "deck": self.deck,
            "card": self.card,
            "members_pressed_again": self.members.to_dict(),
        }


@dataclass(slots=True)
class RoundsReport:
    """What the team's stewards published, over all rounds."""

    team: str
    name: str
    vision: str
    k: int
    rho: float
    stewards: list[str]
    roster: int
    today: date
    rounds: list[RoundFigures]
    hardest: list[HardCard]
    hardest_rounds: list[str]
    heatmap: list[tuple[date, Estimate | None]]
    goals: list[tuple[str, str]]  # (id, title) of team.toml's goals
    problems: list[str] = field(default_factory=list)
    cards: list[HardCard] = field(default_factory=list)  # every card, pooled like `hardest`

    @property
    def latest(self) -> RoundFigures | None:
        shown = [r for r in self.rounds if r.shown]
        return shown[-1] if shown else None

    def to_dict(self) -> dict[str, Any]:
        latest = self.latest
        return {
            "team": self.team,
            "name": self.name,
            "vision": self.vision,
            "k": self.k,
            "privacy": {"rho_per_round": self.rho, "stewards": self.stewards},
            "roster_members": self.roster,
            "today": self.today.isoformat(),
            "latest_round": latest.round if latest else None,
            "rounds": [r.to_dict() for r in self.rounds],
            "hardest_cards": {
                "rounds": self.hardest_rounds,
                "cards": [c.to_dict() for c in self.hardest],
            },
            "heatmap": [
                {"date": d.isoformat(), "active_members": e.to_dict() if e else None}
                for d, e in self.heatmap
            ],
            "cards": [c.to_dict() for c in self.cards],
            "skipped_files": self.problems,
        }


# ----------------------------------------------------------------------------- reading
def _partial(data: bytes, config: TeamConfig, round_id: str) -> PartialPayload:
    wrapper = parse(SignedFile, data)
    signed = base64.b64decode(wrapper.signed)
    claimed = parse(PartialPayload, claimed_message(signed))
    steward = next(
        (s.identity for s in config.stewards if s.identity.to_text() == claimed.steward), None
    )
    if steward is None:
        raise WireProblem("signed by a key that is not one of team.toml's stewards")
    payload = parse(PartialPayload, verify(signed, steward, source="partial sum"))
    if payload.team != config.id or payload.round != round_id:
        raise WireProblem("filed under another team or round")
    if payload.sums is not None and payload.suppressed:
        raise WireProblem("a suppressed round with sums")
    if payload.n != len(payload.contributions):  # n divides every mean: it must be the list's
        raise WireProblem(f"says {payload.n} members but lists {len(payload.contributions)}")
    return payload


MAX_ATTEMPTS = 3  # partial sums one steward may publish for a round (see `steward.py`)


def partial_name(steward: PublicIdentity, attempt: int) -> str:
    """Where a steward's partial sum of a given attempt goes: its key's digest, then `-2`..."""
    base = entry_name(steward)
    return base if attempt == 1 else f"{base}-{attempt}"


def partial_names(config: TeamConfig) -> set[str]:
    """Every file name a partial sum of this team may have: each steward's, each attempt."""
    return {
        partial_name(s.identity, n) for s in config.stewards for n in range(1, MAX_ATTEMPTS + 1)
    }


def read_partials(
    store: TeamStore, config: TeamConfig, round_id: str
) -> tuple[list[PartialPayload], list[str]]:
    """A round's partial sums that are signed by a steward of team.toml: a steward's first,
    and the (at most two) later ones it published to agree with the others."""
    entries, problems = store.partials(round_id, partial_names(config))
    found: dict[tuple[str, str], PartialPayload] = {}
    for entry in entries:
        where = f"{store.where}/rounds/{round_id}/partials/{entry.name}.json"
        try:
            payload = _partial(entry.data, config, round_id)
        except (WireProblem, SignatureError, IdentityFormatError, binascii.Error) as exc:
            problems.append(f"{where}: {getattr(exc, 'reason', exc)}")
            continue
        steward = PublicIdentity.parse(payload.steward)
        if entry.name not in {partial_name(steward, n) for n in range(1, MAX_ATTEMPTS + 1)}:
            problems.append(f"{where}: filed under a name that is not its steward's")
            continue
        found[(payload.steward, entry.name)] = payload
    return list(found.values()), problems


def agreed(partials: list[PartialPayload], config: TeamConfig) -> list[PartialPayload] | None:
    """One partial sum per steward of team.toml, all over the same contributions and layout
    (the newest such set), or None: only such a set adds up to the team's figures."""
    stewards = {s.identity.to_text() for s in config.stewards}
    by_list: dict[tuple[str, tuple[str, ...]], dict[str, PartialPayload]] = {}
    for p in partials:
        if p.steward in stewards:
            by_list.setdefault((p.layout_digest, tuple(p.contributions)), {})[p.steward] = p
    complete = [group for group in by_list.values() if set(group) == stewards]
    if not complete:
        return None
    newest = max(complete, key=lambda g: max(p.created_at for p in g.values()))
    return list(newest.values())


def _signed(value: int) -> int:
    return value - MODULUS if value >= MODULUS // 2 else value


def _combine(
    round_id: str, partials: list[PartialPayload], config: TeamConfig
) -> tuple[RoundFigures, Layout | None, list[int]]:
    stewards = len(config.stewards)
    if not partials:
        return RoundFigures(round_id, "waiting", 0, "no steward has summed it yet"), None, []
    together = agreed(partials, config)
    if together is None:
        summed = len({p.steward for p in partials})
        members = max(p.n for p in partials)
        if summed < stewards:
            detail = f"{summed} of {stewards} stewards have summed it"
            return RoundFigures(round_id, "waiting", members, detail), None, []
        detail = (
            "the stewards summed different contributions; each one's next `mastery team "
            "aggregate` settles it"
        )
        return RoundFigures(round_id, "disagree", members, detail), None, []
    partials = together
    first = partials[0]
    members = first.n
    if members < config.k or any(p.suppressed or p.sums is None for p in partials):
        detail = f"fewer than k = {config.k} members contributed"
        return RoundFigures(round_id, "suppressed", members, detail), None, []
    layout = Layout.from_dict(first.layout.model_dump())
    if layout.digest != first.layout_digest:
        return RoundFigures(round_id, "disagree", members, "damaged layout"), None, []
    sums = [0] * layout.size
    for p in partials:
        assert p.sums is not None
        sums = [a + b for a, b in zip(sums, decode_vector(p.sums, layout.size), strict=True)]
    sigma = math.sqrt(sum(p.sigma**2 for p in partials))
    figures = RoundFigures(round_id, "shown", members, sigma=sigma)
    return figures, layout, [_signed(v % MODULUS) for v in sums]


def _counts(values: list[int], sigma: float, members: int) -> list[Estimate]:
    return [Estimate(float(min(max(v, 0), members)), count_margin(sigma)) for v in values]


def _mean(counts: list[int], midpoints: tuple[float, ...], sigma: float, of: float) -> Estimate:
    if of < 1:
        return Estimate(None, 0.0)
    value = sum(max(c, 0) * m for c, m in zip(counts, midpoints, strict=True)) / of
    margin = Z95 * sigma * math.sqrt(sum(m * m for m in midpoints)) / of
    return Estimate(min(max(value, 0.0), 1.0), margin)


def _decode(figures: RoundFigures, layout: Layout, sums: list[int]) -> None:
    n, sigma = figures.members, figures.sigma
    figures.days = _counts(sums[:DAYS], sigma, n)
    for deck, cards in layout.decks:
        cov = layout.slice(sums, f"coverage:{deck}", len(BUCKETS))
        mat = layout.slice(sums, f"maturity:{deck}", len(BUCKETS))
        ret = layout.slice(sums, f"retention:{deck}", len(RETENTION_BUCKETS))
        answered = sum(max(c, 0) for c in ret[1:])
        figures.decks.append(
            DeckRound(
                deck,
                len(cards),
                Estimate(
                    float(min(max(sum(ret), 0), n)),
                    count_margin(sigma * math.sqrt(len(RETENTION_BUCKETS))),
                ),
                _mean(cov, BUCKET_MIDPOINTS, sigma, n),
                _mean(mat, BUCKET_MIDPOINTS, sigma, n),
                _mean(ret[1:], RETENTION_MIDPOINTS, sigma, answered),
                _counts(cov, sigma, n),
                _counts(mat, sigma, n),
                _counts(ret, sigma, n),
            )
        )
        again = layout.slice(sums, f"again:{deck}", len(cards))
        figures.again.update({(deck, card): float(v) for card, v in zip(cards, again, strict=True)})
    figures.review_streak = _counts(
        layout.slice(sums, "review_streak", len(STREAK_BUCKETS)), sigma, n
    )
    figures.journal_streak = _counts(
        layout.slice(sums, "journal_streak", len(STREAK_BUCKETS)), sigma, n
    )
    for goal in layout.goals:
        hist = layout.slice(sums, f"progress:{goal}", len(BUCKETS))
        figures.goals[goal] = (_mean(hist, BUCKET_MIDPOINTS, sigma, n), _counts(hist, sigma, n))


def build_rounds_report(
    store: TeamStore, config: TeamConfig, roster: int, *, today: date, problems: list[str]
) -> RoundsReport:
    """The report over every round in the store (`roster`: members on the roster)."""
    rounds: list[RoundFigures] = []
    for round_id in store.rounds():
        if round_days(round_id)[0] > today:  # anyone can make rounds/2199-W01/: not a round yet
            continue
        partials, trouble = read_partials(store, config, round_id)
        if not partials and not trouble and next(store.each_contribution(round_id), None) is None:
            continue  # an empty round folder (anyone can make hundreds): nothing to report
        problems += trouble
        figures, layout, sums = _combine(round_id, partials, config)
        if layout is not None:
            _decode(figures, layout, sums)
        rounds.append(figures)
    shown = [r for r in rounds if r.shown]
    pooled = shown[-HARDEST_ROUNDS:]
    totals: dict[tuple[str, str], float] = {}
    for r in pooled:
        for key, value in r.again.items():
            totals[key] = totals.get(key, 0.0) + value
    sigma = math.sqrt(sum(r.sigma**2 for r in pooled)) if pooled else 0.0
    margin = count_margin(sigma)
    # A card is listed only when its count stands clear of the noise of *every* card: with
    # hundreds of cards, some would pass a plain 95% bar by noise alone (Bonferroni).
    bar = NormalDist().inv_cdf(1 - 0.025 / max(1, len(totals))) * sigma
    hardest = sorted(
        (HardCard(d, c, Estimate(v, margin)) for (d, c), v in totals.items() if v > bar),
        key=lambda h: (-(h.members.value or 0), h.deck, h.card),
    )[:HARDEST]
    every = sorted(
        (HardCard(d, c, Estimate(v, margin)) for (d, c), v in totals.items()),
        key=lambda h: (h.deck, -(h.members.value or 0), h.card),
    )
    by_round = {r.round: r for r in shown}
    monday = today - timedelta(days=today.weekday())
    start = monday - timedelta(weeks=HEATMAP_WEEKS - 1)
    heatmap: list[tuple[date, Estimate | None]] = []
    for i in range((today - start).days + 1):
        day = start + timedelta(days=i)
        shown_round = by_round.get(round_of(day))
        heatmap.append((day, shown_round.days[day.weekday()] if shown_round else None))
    return RoundsReport(
        config.id,
        config.name,
        config.vision,
        config.k,
        config.rho,
        [s.name for s in config.stewards],
        roster,
        today,
        rounds,
        hardest,
        [r.round for r in pooled],
        heatmap,
        [(g.id, g.title) for g in config.goals],
        problems,
        every,
    )
