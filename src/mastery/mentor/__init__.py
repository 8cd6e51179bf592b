"""Mentors: share chosen journal entries and goals, receive feedback, close the loop.

Two profiles, two files (formats field by field in docs/mentors.md):

* The **mentee** writes a *bundle* (`export_bundle`): a display name, the profile's pairing id,
  the journal entries and goals marked shared, and a learning summary (streaks, reviews and
  retention over the last 30 days, maturity of the decks they choose). Private entries, private
  goals and card text never go into it; an entry's links to private goals are left out too.
* The **mentor** stores it (`add_bundle`) in their own profile, reads it, comments on entries
  and goals, writes an overall note, and answers with a *feedback* file (`reply`).
* The mentee imports the feedback (`import_feedback`): comments appear under their entries and
  goals, unread until read; the newest note is for the dashboard (`latest_note`).

Both files are versioned JSON with a SHA-256 checksum over their canonical form (sorted keys,
no insignificant whitespace, UTF-8; the `checksum` field left out). A file that is not JSON,
has the wrong `format`, a newer `version`, a failing checksum, missing fields, another
mentee's pairing id or ids this profile does not have is refused with one `BundleError` line,
and nothing is changed. A newer bundle of the same mentee updates the mentor's copy (entries by
uid; entries no longer shared leave it, the mentor's comments stay); an older one is refused.

Ids that travel: entries by their uid (`e-...`), goals as `g-<id>`, comments `c-...`, notes
`n-...`, profiles by a random pairing id (`p-...`) made once per profile and kept in its meta
values when the first file carrying it is written, never derived from a name, user or host.

The package, one idea per module:

* `formats.py`: the file models, reading, verifying and writing both files (the one place
  issue 11's signatures and sealed boxes change);
* `mentee.py`: the mentee's side (`MenteeSide`); `mentoring.py`: the mentor's side
  (`MentorSide`);
* `stored.py`: what both share (the pairing id and display name, stored rows read by name);
* `views.py`: the plain data both return.

Every method that writes is one transaction; `now` defaults to the profile's clock; a preview
writes nothing.
"""

from __future__ import annotations

from mastery.errors import BundleError
from mastery.mentor.mentee import MenteeSide
from mastery.mentor.mentoring import MentorSide
from mastery.mentor.views import (
    AddReport,
    BundlePreview,
    Comment,
    DeckMaturity,
    FeedbackPreview,
    FeedbackReport,
    LearningSummary,
    MenteeSummary,
    MentorNote,
    SharedEntry,
    SharedGoal,
)

__all__ = [
    "AddReport",
    "BundleError",
    "BundlePreview",
    "Comment",
    "DeckMaturity",
    "FeedbackPreview",
    "FeedbackReport",
    "LearningSummary",
    "MenteeSide",
    "MenteeSummary",
    "Mentor",
    "MentorNote",
    "MentorSide",
    "SharedEntry",
    "SharedGoal",
]


class Mentor(MenteeSide, MentorSide):
    """Both sides of mentoring for one profile; reached as `Collection.mentor`.

    A profile can be a mentee and a mentor at once, with one pairing id and display name
    (`stored.Pairing`, the base both sides share); each side also works alone.
    """
