"""Text charts for the calibration view: recall bars with a marker, diverging score bars, and
FSRS's reliability diagram as rows.

Pure functions from the domain's plain data (`mastery.calibration`) to `Content`, so they can
be read, tested and reused without a screen; deck names and card text are never parsed as
markup. Bars use Unicode eighth blocks, so an 80-column terminal shows 2.5-point steps.
"""

from __future__ import annotations

from collections.abc import Sequence

from textual.content import Content

from mastery import present
from mastery.calibration import MIN_ANSWERS, LevelFigures, PeriodScore, RetrievabilityBin, Score

BAR = 20  # cells of a recall bar: 5 points each
HALF = 10  # cells on each side of a diverging score bar
SCALE = 0.5  # a full half bar is 50 points of over- or underconfidence
MARK = "│"
CARD_MIN = 16  # cells of a card id in the certain-then-Again table, however narrow
FRONT_MIN = 30  # cells a card's front keeps before card ids are cut
EMPTY = "·"


def bar(value: float | None, width: int = BAR) -> str:
    """`value` (0..1) as a bar of `width` cells in eighth blocks, padded with dots."""
    return present.bar(value, width, EMPTY)


def marked_bar(value: float | None, mark: float | None, width: int = BAR) -> str:
    """A bar of `value` with `MARK` where `mark` falls: recall against what was claimed."""
    cells = list(bar(value, width))
    if mark is not None:
        cells[min(width - 1, int(max(0.0, mark) * width))] = MARK
    return "".join(cells)


def diverging_bar(value: float | None, half: int = HALF, scale: float = SCALE) -> str:
    """A score as a bar from a centre line: left for underconfident, right for over."""
    if value is None:
        return EMPTY * half + MARK + EMPTY * half
    length = bar(min(1.0, abs(value) / scale), half).replace(EMPTY, " ")
    if value >= 0:
        return " " * half + MARK + length
    # Underconfidence grows to the left: the partial block goes on the outer end.
    return length.rstrip()[::-1].rjust(half) + MARK + " " * half


def level_rows(levels: Sequence[LevelFigures]) -> Content:
    """One row per confidence level: what it claims, how often it was right, the bar."""
    name_width = max(len(lv.name) for lv in levels)
    rows = [
        Content.assemble(
            (lv.name.ljust(name_width), "bold"),
            f"  said {lv.stated:>4.0%}  recalled {present.percent(lv.recall_rate):>4}  ",
            marked_bar(lv.recall_rate, lv.stated),
            f"  {lv.answers:>5}",
        )
        for lv in levels
    ]
    legend = Content.styled(
        f"{' ' * name_width}  bar: how often you recalled · {MARK} what you said", "dim"
    )
    return Content("\n").join([*rows, legend])


def score_line(label: str, score: Score) -> Content:
    """ "Overall: overconfident by 12 points (340 answers)", the verdict coloured; with too
    few answers "Overall: 13 answers, 20 needed to judge (so far overconfident by 15 points)"."""
    if score.answers < MIN_ANSWERS:
        style = "bold"
    elif score.verdict == "well calibrated":
        style = "bold $text-success"
    else:
        style = "bold $text-warning"
    headline, detail = score.in_words()
    return Content.assemble(
        (f"{label}: ", "bold"), (headline, style), f" ({detail})" if detail else ""
    )


def miss_widths(total: int, refs: Sequence[str], agains: Sequence[str]) -> tuple[int, int, int]:
    """Widths of the Card, Again and Front columns of the certain-then-Again table, in a
    table `total` cells wide (each column also takes two cells of padding): the card ids
    whole when they leave the fronts `FRONT_MIN` cells (120 columns do), else cut to what
    does, never below `CARD_MIN`."""
    again = max([len("Again"), *map(len, agains)])
    room = total - 6 - again
    card = min(max([len("Card"), *map(len, refs)]), max(CARD_MIN, room - FRONT_MIN))
    return card, again, max(FRONT_MIN // 2, room - card)


def card_ref(deck_key: str, ref: str, width: int) -> str:
    """A card's id ("deck/card") in `width` cells: whole when it fits; else the deck key is
    cut first ("git-ess…/three-areas"), since the card's own key says which card it is; the
    card key is cut at its end only when even that does not fit."""
    if len(ref) <= width:
        return ref
    card = ref[len(deck_key) + 1 :] if ref.startswith(deck_key + "/") else ref
    room = width - len(card) - 2
    if room >= 3:
        return deck_key[:room] + "…/" + card
    return card[: max(1, width - 1)] + "…"


def short_verdict(score: Score) -> str:
    """The verdict without the points the row already shows, so a row fits 80 columns."""
    if score.answers < MIN_ANSWERS:
        return "too few to judge"
    return score.verdict.split(" by ")[0]


def score_rows(rows: Sequence[tuple[str, Score]], label_width: int = 16) -> Content:
    """Named scores with a diverging bar: per deck, or per month or week."""
    lines = []
    for label, score in rows:
        name = label if len(label) <= label_width else label[: label_width - 1] + "…"
        if not score.answers:
            lines.append(
                Content.assemble(
                    name.ljust(label_width),
                    "     ",
                    (diverging_bar(None), "dim"),
                    ("  no answers", "dim"),
                )
            )
            continue
        lines.append(
            Content.assemble(
                name.ljust(label_width),
                f" {present.signed(score.points):>4} ",
                diverging_bar(score.value),
                f" {score.answers:>5}  ",
                (short_verdict(score), "dim"),
            )
        )
    return Content("\n").join(lines)


def period_rows(periods: Sequence[PeriodScore]) -> Content:
    """The over-time rows, from the first period with answers (a learner who turned the
    confidence step on last month sees two rows, not ten empty ones first)."""
    first = next((i for i, p in enumerate(periods) if p.score.answers), len(periods) - 1)
    return score_rows([(p.label, p.score) for p in periods[first:]], label_width=13)


def reliability_rows(bins: Sequence[RetrievabilityBin]) -> Content:
    """FSRS's reliability diagram: per bin of predicted recall, the mean prediction, the
    actual recall and the count, with a bar of actual recall marked at the prediction."""
    header = Content.styled(
        f"{'predicted':<9}  {'mean':>4}  {'recalled':>8}  {'reviews':>7}  "
        f"bar: recalled · {MARK} predicted",
        "dim",
    )
    rows = [
        Content.assemble(
            f"{b.label:<9}  {present.percent(b.predicted):>4}  {present.percent(b.actual):>8}  {b.count:>7,}  ",
            marked_bar(b.actual, b.predicted),
        )
        for b in bins
        if b.count
    ]
    return Content("\n").join([header, *rows])
