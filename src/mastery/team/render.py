"""The rounds report as text or Markdown (the CLI prints it, the TUI exports it)."""

from __future__ import annotations

from datetime import date, datetime

from mastery.present import plural
from mastery.team.layout import BUCKETS, STREAK_BUCKETS
from mastery.team.report import Estimate, RoundFigures, RoundsReport

SHADES = " ░▒▓█"
DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def members(e: Estimate) -> str:
    """A count of members with its 95% interval: `7 ±2.6`."""
    return "-" if e.value is None else f"{e.value:.0f} ±{e.margin:.1f}"


NOISY = 0.5  # a share whose interval is wider than ±50% says nothing: it is not printed


def share(e: Estimate) -> str:
    """A share with its 95% interval: `62% ±9%`; no number when the interval is
    wider than the figure's range allows to read (a small team, or few members in a bucket):
    `noisy ±89%`."""
    if e.value is None:
        return "-"
    if e.margin > NOISY:
        return f"noisy ±{min(e.margin, 1.0):.0%}"
    return f"{e.value:.0%} ±{e.margin:.0%}"


def privacy_line(report: RoundsReport) -> str:
    stewards = len(report.stewards)
    who = (
        "one steward, who sees each contribution: name a second steward in team.toml"
        if stewards == 1
        else f"{stewards} stewards, none of whom sees a contribution"
    )
    if not stewards:
        who = "no steward yet: name two in team.toml ([[stewards]], docs/teams.md)"
    return (
        f"Figures are sums over at least k = {report.k} members with noise (privacy rho = "
        f"{report.rho:g} per round), summed by {who}. ± is a 95% interval."
    )


def heatmap_rows(report: RoundsReport) -> list[str]:
    """Seven rows (Mon-Sun) of shade characters, one column per week; blank where a round
    is not shown."""
    cells = report.heatmap
    top = max((e.value or 0.0 for _, e in cells if e is not None), default=0.0)
    rows = []
    for weekday in range(7):
        line = ""
        for day, e in cells:
            if day.weekday() != weekday:
                continue
            if e is None or e.value is None or top <= 0:
                line += "·" if e is None else SHADES[0]
            else:
                line += SHADES[min(4, 1 + int(3.999 * e.value / top)) if e.value > 0 else 0]
        rows.append(f"{DAY_NAMES[weekday]} {line}")
    return rows


def _round_line(r: RoundFigures) -> str:
    if r.shown:
        return f"{r.round}: {plural(r.members, 'member')}"
    return f"{r.round}: {r.status} ({r.detail})"


def nothing_to_sum(upcoming: tuple[str, datetime] | None) -> str:
    """What `team aggregate` (CLI and team screen alike) says when it summed nothing, with
    `Team.next_to_close`'s round and time when there is one."""
    line = "Nothing to sum: every closed round is already summed by you (or has no files)."
    if upcoming is not None:
        round_id, when = upcoming
        line += f" Round {round_id} can be summed from {when:%Y-%m-%d %H:%M}."
    return line


def render_rounds(report: RoundsReport, *, markdown: bool = False, cards: bool = False) -> str:
    h = "## " if markdown else ""
    out = [f"{'# ' if markdown else ''}Team {report.name} ({report.team})", ""]
    out.append(
        f"Vision: {report.vision}" if report.vision else "No shared vision in team.toml yet."
    )
    out += ["", privacy_line(report), f"Roster: {report.roster} entries in members/.", ""]
    latest = report.latest
    if latest is None:
        out.append(
            "No round to show yet: members sync (mastery team sync), and after a week ends "
            "each steward runs mastery team aggregate."
        )
    else:
        monday = _monday(latest.round)
        out += [f"{h}Latest round {latest.round} (week of {monday}): {latest.members} members", ""]
        if report.goals:
            out.append(f"{h}Team goals (share of the goal's cards mature, mean over members)")
            for goal_id, title in report.goals:
                fig = latest.goals.get(goal_id)
                out.append(f"- {title}: {share(fig[0]) if fig else '-'}")
            out.append("")
        out.append(f"{h}Decks")
        header = ["Deck", "Cards", "Active", "Coverage", "Maturity", "Retention"]
        rows = [
            [
                d.deck,
                str(d.cards),
                members(d.active),
                share(d.coverage),
                share(d.maturity),
                share(d.retention),
            ]
            for d in latest.decks
        ]
        out += _table(header, rows, markdown)
        out.append("")
        out.append(f"{h}Members active per day")
        out.append("  ".join(f"{DAY_NAMES[i]} {members(e)}" for i, e in enumerate(latest.days)))
        out.append("")
        out.append(f"{h}Streaks (members per bucket of days)")
        for label, values in (("review", latest.review_streak), ("journal", latest.journal_streak)):
            out.append(
                f"{label}: "
                + " · ".join(
                    f"{b}: {members(v)}" for b, v in zip(STREAK_BUCKETS, values, strict=True)
                )
            )
        out.append("")
    out.append(f"{h}Activity (members active per day, 26 weeks; · = round not shown)")
    out += heatmap_rows(report)
    out.append("")
    out.append(
        f"{h}Hardest cards (members who pressed Again, {plural(len(report.hardest_rounds), 'round')})"
    )
    if report.hardest:
        out += [f"- {c.deck}/{c.card}: {members(c.members)}" for c in report.hardest]
    else:
        out.append("No card stands out above the noise.")
    if cards and report.cards:
        out += ["", f"{h}Every card (members who pressed Again, for deck maintainers)"]
        out += [f"- {c.deck}/{c.card}: {members(c.members)}" for c in report.cards]
    out += ["", f"{h}Rounds"]
    out += [f"- {_round_line(r)}" for r in report.rounds] or ["(none yet)"]
    if latest is not None and report.goals:
        out += ["", f"{h}Goal progress (members per bucket, latest round)"]
        for goal_id, title in report.goals:
            fig = latest.goals.get(goal_id)
            if fig:
                out.append(
                    f"{title}: "
                    + " · ".join(f"{b}: {members(v)}" for b, v in zip(BUCKETS, fig[1], strict=True))
                )
    return "\n".join(out) + "\n"


def _monday(round_id: str) -> date:
    from mastery.team.wire import round_days

    return round_days(round_id)[0]


def _table(header: list[str], rows: list[list[str]], markdown: bool) -> list[str]:
    if markdown:
        lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        return lines + ["| " + " | ".join(r) + " |" for r in rows]
    widths = [max(len(x) for x in col) for col in zip(header, *rows, strict=False)]
    return [
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=False)).rstrip()
        for row in [header, *rows]
    ]
