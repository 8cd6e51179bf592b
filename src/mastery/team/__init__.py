"""Teams: a shared folder (or database) of decks and goals, and team figures nobody can trace
to a person.

A team folder (usually a git repository) holds:

- ``team.toml``: the team's id, name, vision statement, team goals (each linked to deck ids and
  a target date), `k` (the fewest members a shown figure may come from), the **stewards** (members
  named with their public identities) and the noise level;
- ``decks/*.toml``: the team's decks, in the deck format;
- ``members/``: the roster, one signed file per member (`team join`);
- ``rounds/<ISO week>/``: sealed contributions (one per member and round, split into additive
  shares, each share sealed to one steward) and each steward's signed, noised partial sum.

Per-profile team state (joined teams, sync opt-in) lives in the profile's internal values.
The package, one idea per module: `config` (team.toml and decks), `service` (`Team`, the facade
part), `records` and `legacy_report` (the first, plaintext design, read until members sync).
"""

from __future__ import annotations

from mastery.team.config import (
    ACTIVE_DAYS,
    DAILY_DAYS,
    DECKS_DIR,
    HEATMAP_WEEKS,
    MAX_RECORD_BYTES,
    STREAK_BUCKETS,
    SUMMARY_DIR,
    SUPPRESSED,
    TEAM_FILE,
    TeamConfig,
    TeamError,
    TeamGoal,
    init_team,
    load_team,
)
from mastery.team.legacy_report import (
    CardFigures,
    DeckFigures,
    Figure,
    TeamReport,
    build_report,
    heatmap_rows,
    render_text,
)
from mastery.team.records import (
    SummaryProblem,
    dump_record,
    member_record,
    read_record,
    read_records,
    write_record,
)
from mastery.team.service import JoinedTeam, Team
from mastery.team_formats import SUMMARY_FORMAT, SUMMARY_VERSION

__all__ = [
    "ACTIVE_DAYS",
    "DAILY_DAYS",
    "DECKS_DIR",
    "HEATMAP_WEEKS",
    "MAX_RECORD_BYTES",
    "STREAK_BUCKETS",
    "SUMMARY_DIR",
    "SUMMARY_FORMAT",
    "SUMMARY_VERSION",
    "SUPPRESSED",
    "TEAM_FILE",
    "CardFigures",
    "DeckFigures",
    "Figure",
    "JoinedTeam",
    "SummaryProblem",
    "Team",
    "TeamConfig",
    "TeamError",
    "TeamGoal",
    "TeamReport",
    "build_report",
    "dump_record",
    "heatmap_rows",
    "init_team",
    "load_team",
    "member_record",
    "read_record",
    "read_records",
    "render_text",
    "write_record",
]
