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

The two people pair once (`peers.py`): each writes an invitation with their public keys, the
other checks it (fingerprint and safety number, compared on a call) and keeps those keys. From
then on both files are *sealed*: versioned JSON signed by the writer and encrypted to the
reader (`mastery.identity`). A file not sealed for this profile, changed, not signed by a
paired person of the right role, replayed or older (by its sequence number) than the last one
applied, dated ahead of this computer's clock, with the wrong `format`, a newer `version`,
missing fields or ids this profile does not have is refused with one `BundleError` line, and
nothing is changed. A newer bundle of the same mentee updates the mentor's copy (entries by
uid; entries no longer shared leave it, the mentor's comments stay).

Ids that travel: entries by their uid (`e-...`), goals as `g-<id>`, comments `c-...`, notes
`n-...`, profiles by a random pairing id (`p-...`) made once per profile and kept in its meta
values when the first file carrying it is written, never derived from a name, user or host.

The package, one idea per module:

* `formats.py`: the file models, reading, verifying and writing both files (the one place
  issue 11's signatures and sealed boxes change);
* `mentee.py`: the mentee's side (`MenteeSide`); `mentoring.py`: the mentor's side
  (`MentorSide`);
* `peers.py`: pairing (invitations, the paired people, the files' sequence numbers);
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
    InvitationView,
    LearningSummary,
    MenteeSummary,
    MentorNote,
    PeerView,
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
    "InvitationView",
    "LearningSummary",
    "MenteeSide",
    "MenteeSummary",
    "Mentor",
    "MentorNote",
    "MentorSide",
    "PeerView",
    "SharedEntry",
    "SharedGoal",
]


class Mentor(MenteeSide, MentorSide):
    """Both sides of mentoring for one profile; reached as `Collection.mentor`.

    A profile can be a mentee and a mentor at once, with one pairing id and display name
    (`stored.Pairing`, the base both sides share); each side also works alone.
    """
