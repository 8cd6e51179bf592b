"""Pairing in the app: the Mentees screen's p (pair) and i (invite), the yes/no question
showing the safety number, and the export screen choosing the paired mentor."""

from __future__ import annotations

from pathlib import Path

from mentor_files import invitation_of, payload
from test_tui_helpers import SIZE, make_app, screen_text
from textual.widgets import Input, Select

from conftest import NOW
from mastery.collection import Collection
from mastery.identity import Identity, safety_number
from mastery.tui.dialogs.pair import InviteScreen, PairScreen
from mastery.tui.dialogs.yes_no import YesNoScreen
from mastery.tui.screens.mentees import MenteesScreen
from mastery.tui.screens.mentor import ExportScreen


def _errors(app) -> list[str]:
    return [m for s, m in app.notes if s == "error"]


async def test_pair_key_shows_the_safety_number_and_pairs_only_on_yes(
    mastery_home: Path, tmp_path: Path
) -> None:
    invitation, answer = tmp_path / "ana.inv", tmp_path / "bo.inv"
    with (
        Collection.open("ana", bundled=False, now=NOW) as ana,
        Collection.open("bo", bundled=False, now=NOW) as bo,
    ):
        ana.mentor.write_invitation(invitation, role="mentee", name="Ana", now=NOW)
        bo.mentor.set_display_name("Bo")
        app = make_app(bo)
        async with app.run_test(size=SIZE) as pilot:
            app.open_mentees()
            await pilot.pause()
            assert isinstance(app.screen, MenteesScreen)
            await pilot.press("p")
            assert isinstance(app.screen, PairScreen)
            await pilot.press(*str(tmp_path / "nowhere.inv"), "enter")
            assert any("cannot read" in m for m in _errors(app)) and bo.mentor.peers() == []
            app.screen.query_one("#pair-file", Input).value = str(invitation)
            await pilot.press("enter")
            await pilot.pause()
            assert isinstance(app.screen, YesNoScreen)
            text = screen_text(app)
            number = safety_number(Identity.of(ana).public, Identity.of(bo).public)
            assert number[:35] in text and number[36:] in text  # two lines of six groups
            assert "Ana invites you as their mentor" in text and "on a call" in text
            await pilot.press("n")  # not the number Ana read out: nothing paired
            await pilot.pause()
            assert bo.mentor.peers() == [] and isinstance(app.screen, PairScreen)

            app.screen.query_one("#pair-answer", Input).value = str(answer)
            app.screen.query_one("#pair-file", Input).focus()
            await pilot.press("enter")
            await pilot.pause()
            await pilot.press("y")
            await pilot.pause()
            assert isinstance(app.screen, MenteesScreen)
            assert [(p.name, p.role) for p in bo.mentor.peers()] == [("Ana", "mentee")]
            assert answer.exists() and len(_errors(app)) == 1  # only the missing file
        # Ana pairs with the answer: both sides now hold each other's keys.
        ana.mentor.pair(ana.mentor.read_invitation(answer, now=NOW), now=NOW)
        assert [(p.name, p.role) for p in ana.mentor.peers()] == [("Bo", "mentor")]


async def test_invite_dialog_writes_the_invitation_and_shows_the_fingerprint(
    mastery_home: Path, tmp_path: Path
) -> None:
    target = tmp_path / "bo.inv"
    with Collection.open("bo", bundled=False, now=NOW) as bo:
        app = make_app(bo)
        async with app.run_test(size=SIZE) as pilot:
            app.open_mentees()
            await pilot.pause()
            await pilot.press("i")
            dialog = app.screen
            assert isinstance(dialog, InviteScreen) and "Invite a mentee" in screen_text(app)
            dialog.query_one("#invite-file", Input).value = str(target)
            await pilot.press("enter")  # no name yet: refused
            assert _errors(app) and not target.exists()
            await pilot.press(*"Bo", "enter")
            await pilot.pause()
            assert isinstance(app.screen, MenteesScreen)
            assert any(Identity.of(bo).fingerprint in m for _, m in app.notes)
        assert bo.mentor.read_invitation is not None and target.exists()
        assert bo.mentor.display_name() == "Bo"


async def test_export_screen_chooses_among_paired_mentors(
    mastery_home: Path, tmp_path: Path
) -> None:
    target = tmp_path / "ana.bundle"
    with (
        Collection.open("ana", bundled=False, now=NOW) as ana,
        Collection.open("bo", bundled=False, now=NOW) as bo,
        Collection.open("cy", bundled=False, now=NOW) as cy,
    ):
        ana.set_setting("timezone", "UTC")
        ana.mentor.pair(invitation_of(bo, "Bo", "mentor"), now=NOW)
        ana.mentor.pair(invitation_of(cy, "Cy", "mentor"), now=NOW)
        ana.mentor.set_display_name("Ana")
        ana.journal.add("Shared thought", visibility="shared", now=NOW)
        app = make_app(ana)
        async with app.run_test(size=SIZE) as pilot:
            app.action_mentor_export()
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, ExportScreen)
            assert screen.preview is not None and screen.preview.mentor == "Bo"
            screen.query_one("#export-mentor", Select).value = "Cy"
            await pilot.pause()
            screen.rebuild()
            await pilot.pause()
            assert screen.preview.mentor == "Cy" and "for Cy" in screen_text(app)
            screen.query_one("#export-file", Input).value = str(target)
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert not _errors(app)
        assert payload(target, cy)  # sealed for Cy, and only Cy can open it
        try:
            payload(target, bo)
        except Exception as exc:  # noqa: BLE001 - the refusal is the point
            assert "another identity" in str(exc)
        else:
            raise AssertionError("Bo could open a bundle sealed for Cy")


async def test_export_screen_without_a_paired_mentor_previews_but_does_not_write(
    mastery_home: Path, tmp_path: Path
) -> None:
    target = tmp_path / "ana.bundle"
    with Collection.open("ana", bundled=False, now=NOW) as ana:
        ana.mentor.set_display_name("Ana")
        app = make_app(ana)
        async with app.run_test(size=SIZE) as pilot:
            app.action_mentor_export()
            await pilot.pause()
            text = screen_text(app)
            assert "no mentor paired yet" in text and "preview only" in text
            app.screen.query_one("#export-file", Input).value = str(target)
            app.screen.rebuild()  # the preview on screen is current: ctrl+s tries to write it
            await pilot.pause()
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert any("pair with your mentor first" in m for m in _errors(app)), app.notes
            assert not target.exists()
