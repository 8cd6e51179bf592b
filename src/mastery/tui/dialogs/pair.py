"""Pairing in the app: write this profile's invitation, or pair with someone's.

`InviteScreen` writes the invitation (your name, the file) and shows your fingerprint.
`PairScreen` reads an invitation, shows the inviter's fingerprint and the pair's safety number
and asks to confirm (a yes/no question: pairing trusts a key, it is never silent); once paired
it can write your own invitation back so the other person can pair too.
"""

from __future__ import annotations

from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Footer, Input, Static

from mastery import paths
from mastery.errors import MasteryError
from mastery.mentor import InvitationView
from mastery.mentor.peers import CODE_PREFIX, other_role
from mastery.tui.dialogs import MENTOR_CSS
from mastery.tui.dialogs.file_action import file_path, slug
from mastery.tui.dialogs.yes_no import YesNoScreen
from mastery.tui.screens.base import MasteryModal, MasteryScreen

ROLE_WORDS = {"mentee": "your mentor", "mentor": "a mentee"}
"""Whom an invitation written in a role is for."""


def notify_repair(screen: MasteryScreen) -> None:
    """The one-time line (`Mentor.repair_notice`) telling that pairings from before files
    were signed must be made again, as a notification."""
    with screen.domain_errors():
        notice = screen.col.mentor.repair_notice()
        if notice:
            screen.notify(notice, title="Pair again", severity="warning", markup=False, timeout=15)


def number_lines(number: str) -> str:
    """A safety number as two lines of six groups, as people read it out."""
    groups = number.split()
    return " ".join(groups[:6]) + "\n  " + " ".join(groups[6:])


def default_invitation(name: str) -> Path:
    """Where an invitation is written unless another file is typed."""
    return paths.export_dir() / f"invitation-{slug(name or 'me')}.json"


class InviteScreen(MasteryModal):
    """Write this profile's invitation as `role` (mentee or mentor); dismisses with True."""

    AREA = "mentor"
    CSS_PATH = MENTOR_CSS
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="invite-cancel")]

    def __init__(self, role: str) -> None:
        super().__init__(id="invite-screen")
        self.role = role

    def compose(self) -> ComposeResult:
        name = self.col.mentor.display_name() or ""
        with Vertical(classes="mentor-dialog file-box"):
            yield Static(
                Content.styled(f"Invite {ROLE_WORDS[self.role]}", "bold"), classes="dialog-title"
            )
            with Horizontal(classes="form-row"):
                yield Static("Your name", classes="form-label")
                yield Input(name, id="invite-name", compact=True, placeholder="the name they see")
            with Horizontal(classes="form-row"):
                yield Static("File", classes="form-label")
                yield Input(str(default_invitation(name)), id="invite-file", compact=True)
            yield Static(
                Content.assemble(
                    ("Enter", "bold $text-accent"),
                    " writes it: your public keys and name, signed. Send it to them; they pair "
                    "with it and send theirs back.",
                ),
                classes="dialog-hint",
            )
        yield Footer(compact=True)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        name = self.query_one("#invite-name", Input).value.strip()
        where = self.query_one("#invite-file", Input).value.strip()
        if not name or not where:
            self.notify("Type your name and the file.", title="Not written", severity="error")
            return
        try:
            mine = self.col.mentor.write_invitation(
                file_path(where), role=self.role, name=name, now=self.now()
            )
        except MasteryError as exc:
            self.notify(str(exc), title="Not written", severity="error", markup=False)
            return
        self.notify(
            f"Wrote {file_path(where)}. Your fingerprint: {mine.fingerprint}",
            title="Invitation written",
            markup=False,
            timeout=10,
        )
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(None)


class PairScreen(MasteryModal):
    """Pair with someone's invitation: the file, then a question showing their fingerprint
    and the safety number. Dismisses with True once paired, else None."""

    AREA = "mentor"
    CSS_PATH = MENTOR_CSS
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="pair-cancel")]

    def __init__(self) -> None:
        super().__init__(id="pair-screen")

    def compose(self) -> ComposeResult:
        with Vertical(classes="mentor-dialog file-box"):
            yield Static(Content.styled("Pair with an invitation", "bold"), classes="dialog-title")
            with Horizontal(classes="form-row"):
                yield Static("Invitation", classes="form-label")
                yield Input(
                    id="pair-file",
                    compact=True,
                    placeholder="the file (~/Downloads/ana.json) or the pasted line",
                )
            with Horizontal(classes="form-row"):
                yield Static("Answer to", classes="form-label")
                yield Input(
                    id="pair-answer",
                    compact=True,
                    placeholder="optional: write your own invitation back to this file",
                )
            yield Static(
                Content.assemble(
                    ("Enter", "bold $text-accent"),
                    " checks it and shows the safety number to compare with them on a call.",
                ),
                classes="dialog-hint",
            )
        yield Footer(compact=True)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        where = self.query_one("#pair-file", Input).value.strip()
        if not where:
            self.notify("Type the path of the invitation.", title="Which file?", severity="error")
            return
        try:
            source = where if where.startswith(CODE_PREFIX) else file_path(where)
            invitation = self.col.mentor.read_invitation(source, now=self.now())
        except MasteryError as exc:
            self.notify(str(exc), title="Not paired", severity="error", markup=False)
            return
        question = Content.assemble(
            (invitation.name, "bold"),  # user text: never markup
            f" invites you as their {'mentor' if invitation.role == 'mentee' else 'mentee'}.\n\n",
            "Their fingerprint\n  ",
            (invitation.fingerprint, "bold"),
            "\nSafety number\n  ",
            (number_lines(invitation.safety_number), "bold $text-accent"),
            "\n\nCompare the safety number with ",
            invitation.name,
            " on a call before you trust it. Pair?",
        )
        self.app.push_screen(YesNoScreen(question), lambda yes: self._answered(invitation, yes))

    def _answered(self, invitation: InvitationView, yes: bool | None) -> None:
        if not yes:
            self.notify("Not paired.", title="Pairing")
            return
        answer = self.query_one("#pair-answer", Input).value.strip()
        try:
            peer = self.col.mentor.pair(invitation, now=self.now())
        except MasteryError as exc:
            self.notify(str(exc), title="Not paired", severity="error", markup=False)
            return
        self.notify(
            f"Paired with {peer.name} as your {peer.role}.",
            title="Paired",
            markup=False,
            timeout=10,
        )
        if answer:
            mine = other_role(invitation.role)
            try:
                self.col.mentor.write_invitation(file_path(answer), role=mine, now=self.now())
            except MasteryError as exc:
                self.notify(
                    f"Your invitation was not written: {exc}",
                    title="Not written",
                    severity="error",
                    markup=False,
                )
            else:
                self.notify(
                    f"Wrote your invitation to {file_path(answer)}: send it to them.",
                    title="Invitation written",
                    markup=False,
                    timeout=10,
                )
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(None)
