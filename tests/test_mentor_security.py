"""Mentor files played by an attacker (issue 11): forged, foreign, replayed, re-sealed,
future-dated, damaged and old-format files are refused in one line and change nothing; a
crafted date never locks anyone out; pairing checks its invitations; pairings from before
files were signed migrate.

Ana is Bo's mentee. Eve has Mastery too, has seen every file that travelled, and is paired
with nobody (or, where said, with Ana as a second mentor). Sam is another of Bo's mentees.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import nacl.public
import pytest
from mentor_files import invitation_of, open_doc, pair, reseal, seal_doc

from conftest import NOW
from mastery.cli import main
from mastery.collection import Collection
from mastery.errors import BundleError, MasteryError
from mastery.identity import SEALED_MAGIC, Identity
from mastery.mentor.formats import CLOCK_SKEW

DAY = timedelta(days=1)


@dataclass
class People:
    ana: Collection  # the mentee
    bo: Collection  # her mentor
    eve: Collection  # paired with nobody
    entry: str  # Ana's shared entry
    comment: str  # Bo's comment on it, already in Ana's profile
    bundle: Path  # Ana's first bundle (applied by Bo)
    feedback: Path  # Bo's first feedback (applied by Ana)


def snapshot(col: Collection) -> list[str]:
    return list(col.conn.iterdump())


def refused(store: Any, path: Path, col: Collection, match: str, **kw: Any) -> str:
    """`store(path)` is refused in one line naming the file, and `col` did not change."""
    before = snapshot(col)
    with pytest.raises(BundleError, match=match) as err:
        store(path, **kw)
    message = str(err.value)
    assert message.startswith(f"{path}: ") and "\n" not in message
    assert snapshot(col) == before
    return message


@pytest.fixture
def people(mastery_home: Path, tmp_path: Path) -> Iterator[People]:
    opened = [Collection.open(n, bundled=False, now=NOW) for n in ("ana", "bo", "eve")]
    ana, bo, eve = opened
    for col in opened:
        col.set_setting("timezone", "UTC")
    pair(ana, bo)
    invitation_of(eve, "Eve", "mentor")  # so the helpers know Eve's keys
    entry = ana.journal.add("Learned the dative", visibility="shared", now=NOW - DAY).uid
    bundle = tmp_path / "ana-1.bundle"
    ana.mentor.export_bundle(bundle, name="Ana", now=NOW - DAY)
    bo.mentor.add_bundle(bundle, now=NOW - DAY)
    comment = bo.mentor.comment("Ana", "entry", entry, "Try it in a sentence", now=NOW - DAY).uid
    feedback = tmp_path / "bo-1.feedback"
    bo.mentor.reply("Ana", feedback, name="Bo", now=NOW - DAY)
    ana.mentor.import_feedback(feedback, now=NOW - DAY)
    yield People(ana, bo, eve, entry, comment, bundle, feedback)
    for col in opened:
        col.close()


def _comments(col: Collection) -> list[str]:
    return [c.body for c in col.mentor.received_comments()]


# ----------------------------------------------------------------------------- forged files
def test_feedback_from_an_invented_mentor_is_refused(people: People, tmp_path: Path) -> None:
    doc = open_doc(people.feedback, people.ana)
    doc.update(sequence=doc["sequence"] + 1, mentor={"pairing_id": "p-" + "e" * 26, "name": "Zed"})
    doc["comments"][0]["body"] = "Quit German"
    forged = seal_doc(doc, people.eve, people.ana, tmp_path / "zed.feedback")
    refused(
        people.ana.mentor.import_feedback,
        forged,
        people.ana,
        "not from a mentor you paired with",
        now=NOW,
    )


def test_feedback_in_the_real_mentors_name_signed_by_another_key_is_refused(
    people: People, tmp_path: Path
) -> None:
    """Everything inside says Bo (his pairing id, his name, his comment ids), and a withdrawn
    list that would delete his genuine comment: only the signature is not his."""
    doc = open_doc(people.feedback, people.ana)
    doc.update(sequence=doc["sequence"] + 1, comments=[], withdrawn=[people.comment])
    forged = seal_doc(doc, people.eve, people.ana, tmp_path / "bo-forged.feedback")
    message = refused(
        people.ana.mentor.import_feedback,
        forged,
        people.ana,
        "not from a mentor you paired with",
        now=NOW,
    )
    assert Identity.of(people.eve).fingerprint in message  # whose key it really was
    assert _comments(people.ana) == ["Try it in a sentence"]


def test_a_bundle_from_someone_not_paired_is_refused(people: People, tmp_path: Path) -> None:
    doc = open_doc(people.bundle, people.bo)
    doc.update(sequence=doc["sequence"] + 1, shared_entry_uids=[], entries=[])  # "unshare all"
    forged = seal_doc(doc, people.eve, people.bo, tmp_path / "eve.bundle")
    refused(people.bo.mentor.add_bundle, forged, people.bo, "not from a mentee you paired", now=NOW)
    assert people.bo.mentor.mentee("Ana").entries == 1


def test_a_paired_mentor_cannot_send_feedback_as_a_mentee(people: People, tmp_path: Path) -> None:
    """Roles count: Bo is Ana's mentor, so a bundle signed by him is not from a mentee of hers."""
    doc = open_doc(people.bundle, people.bo)
    doc["sequence"] += 1
    crafted = seal_doc(doc, people.bo, people.ana, tmp_path / "bo-as-mentee.bundle")
    refused(people.ana.mentor.add_bundle, crafted, people.ana, "not from a mentee", now=NOW)


def test_a_genuine_file_re_sealed_by_its_recipient_to_a_third_person_is_refused(
    people: People, tmp_path: Path
) -> None:
    """Bo opens Ana's bundle and seals her signed message, unchanged, to Eve (whom Ana also
    paired with as a mentor): the signature is Ana's, but it names Bo as the recipient."""
    pair(people.ana, people.eve, "Ana", "Eve")
    data = people.bundle.read_bytes()
    header = len(SEALED_MAGIC) + 32
    bo_secret = Identity.of(people.bo)._encryption  # Bo's own private key: he may use it
    signed = nacl.public.SealedBox(bo_secret).decrypt(data[header:])
    eve_key = Identity.of(people.eve).public.encryption_bytes
    box = nacl.public.SealedBox(nacl.public.PublicKey(eve_key)).encrypt(signed)
    forwarded = tmp_path / "forwarded.bundle"
    forwarded.write_bytes(SEALED_MAGIC + eve_key + bytes(box))
    refused(
        people.eve.mentor.add_bundle,
        forwarded,
        people.eve,
        "signed for another recipient and re-sealed",
        now=NOW,
    )


def test_a_file_sealed_to_another_profile_is_refused(people: People, tmp_path: Path) -> None:
    """Bo's feedback for Sam, and Ana's bundle given to a mentor it is not for."""
    with Collection.open("sam", bundled=False, now=NOW) as sam:
        pair(sam, people.bo, "Sam")
        sam.journal.add("Sam's entry", visibility="shared", now=NOW)
        sam.mentor.export_bundle(tmp_path / "sam.bundle", name="Sam", now=NOW)
        people.bo.mentor.add_bundle(tmp_path / "sam.bundle", now=NOW)
        people.bo.mentor.reply("Sam", tmp_path / "for-sam.feedback", now=NOW)
    refused(
        people.ana.mentor.import_feedback,
        tmp_path / "for-sam.feedback",
        people.ana,
        "sealed for another identity",
        now=NOW,
    )
    pair(people.ana, people.eve, "Ana", "Eve")  # Eve is a mentor of Ana's too
    refused(
        people.eve.mentor.add_bundle,
        people.bundle,
        people.eve,
        "sealed for another identity",
        now=NOW,
    )


@pytest.mark.parametrize("where", ["header", "middle", "last byte"])
def test_a_bit_flipped_or_truncated_file_is_refused(
    people: People, tmp_path: Path, where: str
) -> None:
    ana, bo = people.ana, people.bo
    ana.journal.add("More", visibility="shared", now=NOW)
    fresh = tmp_path / "fresh.bundle"
    ana.mentor.export_bundle(fresh, now=NOW)
    data = bytearray(fresh.read_bytes())
    at = {"header": len(SEALED_MAGIC) + 3, "middle": len(data) // 2, "last byte": -1}[where]
    data[at] ^= 0x01
    flipped = tmp_path / "flipped.bundle"
    flipped.write_bytes(bytes(data))
    refused(bo.mentor.add_bundle, flipped, bo, "sealed for another|changed or damaged", now=NOW)
    cut = tmp_path / "cut.bundle"
    cut.write_bytes(fresh.read_bytes()[:-17])
    refused(bo.mentor.add_bundle, cut, bo, "changed or damaged", now=NOW)
    assert bo.mentor.add_bundle(fresh, now=NOW).added == 1  # the genuine file still works


def test_an_old_format_unsigned_file_is_refused_saying_what_to_do(
    people: People, tmp_path: Path
) -> None:
    old = tmp_path / "old.json"
    doc = open_doc(people.feedback, people.ana)
    doc.update(version=1, checksum="sha256:" + "0" * 64)
    del doc["sequence"]
    old.write_text(json.dumps(doc), encoding="utf-8")
    message = refused(people.ana.mentor.import_feedback, old, people.ana, "older Mastery", now=NOW)
    assert "mastery mentor invite" in message and "mastery mentor pair" in message


# ----------------------------------------------------------------------------- order and time
def test_a_replayed_genuine_file_is_refused(people: People) -> None:
    refused(
        people.ana.mentor.import_feedback,
        people.feedback,
        people.ana,
        "replayed or older than the one already applied from Bo",
        now=NOW,
    )
    refused(people.bo.mentor.add_bundle, people.bundle, people.bo, "replayed", now=NOW)


def test_an_older_genuine_file_after_a_newer_one_is_refused(people: People, tmp_path: Path) -> None:
    bo, ana = people.bo, people.ana
    bo.mentor.comment("Ana", "entry", people.entry, "Second", now=NOW)
    older, newer = tmp_path / "older.feedback", tmp_path / "newer.feedback"
    bo.mentor.reply("Ana", older, now=NOW)
    bo.mentor.delete_comment(people.comment, now=NOW)
    bo.mentor.reply("Ana", newer, now=NOW)
    assert ana.mentor.import_feedback(newer, now=NOW).withdrawn == 1
    refused(ana.mentor.import_feedback, older, ana, "replayed or older", now=NOW)
    assert _comments(ana) == ["Second"]  # the older file did not bring the deleted one back


@pytest.mark.parametrize("side", ["feedback", "bundle"])
def test_a_file_dated_2099_is_refused_and_the_next_genuine_file_is_accepted(
    people: People, tmp_path: Path, side: str
) -> None:
    """The lock-out of issue 11, on both sides: a genuine writer whose clock says 2099 (or a
    forger, who cannot sign anyway) makes a file dated 2099. It is refused, and nothing it
    carries (its date, its number) makes the next genuine file look old."""
    year_2099 = NOW.replace(year=2099)
    ana, bo = people.ana, people.bo
    far, genuine = tmp_path / f"2099.{side}", tmp_path / f"next.{side}"
    if side == "feedback":
        bo.mentor.comment("Ana", "entry", people.entry, "From the future", now=NOW)
        bo.mentor.reply("Ana", far, now=year_2099)
        refused(ana.mentor.import_feedback, far, ana, "in the future", now=NOW)
        bo.mentor.reply("Ana", genuine, now=NOW)  # the clock fixed
        assert ana.mentor.import_feedback(genuine, now=NOW).added == 1
    else:
        ana.journal.add("From the future", visibility="shared", now=NOW)
        ana.mentor.export_bundle(far, now=year_2099)
        refused(bo.mentor.add_bundle, far, bo, "in the future", now=NOW)
        ana.mentor.export_bundle(genuine, now=NOW)
        assert bo.mentor.add_bundle(genuine, now=NOW).added == 1
    # And a date just inside the clock skew is fine.
    assert timedelta(minutes=10) >= CLOCK_SKEW


def test_feedback_a_little_ahead_within_the_clock_skew_is_accepted(people: People) -> None:
    bo, ana = people.bo, people.ana
    bo.mentor.comment("Ana", "entry", people.entry, "Soon", now=NOW)
    ahead = people.feedback.with_name("ahead.feedback")
    bo.mentor.reply("Ana", ahead, now=NOW + CLOCK_SKEW - timedelta(seconds=1))
    assert ana.mentor.import_feedback(ahead, now=NOW).added == 1


def test_a_stored_peer_record_edited_by_hand_never_breaks_a_command(people: People) -> None:
    """A damaged record is left out (that person must pair again), never a crash."""
    peers = people.ana.meta("mentor_peers")
    people.ana.set_meta("mentor_peers", [{**peers[0], "received": "lots"}, 7, None])
    assert people.ana.mentor.peers() == []
    assert people.ana.mentor.received_comments()  # what was received stays readable
    with pytest.raises(MasteryError, match="pair with your mentor first"):
        people.ana.mentor.export_bundle(people.bundle.with_name("x"), now=NOW)


def test_a_paired_mentee_cannot_take_over_another_mentees_copy(
    people: People, tmp_path: Path
) -> None:
    """Sam, a genuine mentee of Bo, writes a first bundle carrying Ana's pairing id."""
    ana_id = people.ana.mentor.pairing_id()
    with Collection.open("sam", bundled=False, now=NOW) as sam:
        pair(sam, people.bo, "Sam")
        sam.journal.add("Sam's", visibility="shared", now=NOW)
        sam.mentor.export_bundle(tmp_path / "sam.bundle", name="Sam", now=NOW)
    crafted = reseal(
        tmp_path / "sam.bundle",
        lambda d: d["mentee"].update(pairing_id=ana_id),
        tmp_path / "sam-as-ana.bundle",
    )
    refused(people.bo.mentor.add_bundle, crafted, people.bo, "another mentee's copy", now=NOW)
    assert people.bo.mentor.mentee("Ana").entries == 1


# ----------------------------------------------------------------------------- privacy
CANARY = "CANARY-PRIVATE-c0ffee-ü"


def test_neither_private_nor_shared_text_is_readable_in_a_sealed_file(
    people: People, tmp_path: Path
) -> None:
    ana, bo = people.ana, people.bo
    goal = ana.goals.add(f"Private goal {CANARY}", now=NOW)
    ana.journal.add(f"Private entry {CANARY}", goals=[goal.id], now=NOW)
    ana.journal.add("SHARED-TEXT-1234 about the dative", visibility="shared", now=NOW)
    bundle = tmp_path / "b.bundle"
    ana.mentor.export_bundle(bundle, now=NOW)
    bo.mentor.add_bundle(bundle, now=NOW)
    bo.mentor.set_note("Ana", "NOTE-TEXT-5678", now=NOW)
    feedback = tmp_path / "f.feedback"
    bo.mentor.reply("Ana", feedback, now=NOW)
    for path, secrets in (
        # Names as JSON strings ("Bo" with its quotes, as a leaked document would hold it):
        # two bare bytes turn up in a kilobyte of ciphertext by chance 1.5% of the time.
        (bundle, ("CANARY-PRIVATE", "SHARED-TEXT-1234", "dative", '"Ana"')),
        (feedback, ("CANARY-PRIVATE", "NOTE-TEXT-5678", "Try it in a sentence", '"Bo"')),
    ):
        data = path.read_bytes()
        for secret in secrets:
            assert secret.encode() not in data, (path.name, secret)
    inside = open_doc(bundle, bo)
    assert "CANARY" not in json.dumps(inside, ensure_ascii=False)
    assert any("SHARED-TEXT-1234" in e["body"] for e in inside["entries"])


# ----------------------------------------------------------------------------- pairing
def cli(capsys: pytest.CaptureFixture[str], profile: str, *args: str) -> tuple[int, str, str]:
    code = main(["--no-bundled-decks", "--profile", profile, *args])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


def dump(profile: str) -> list[str]:
    with Collection.open(profile, bundled=False) as col:
        return list(col.conn.iterdump())


def test_pairing_shows_the_same_safety_number_on_both_sides_and_needs_a_yes(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    ana_inv, bo_inv = tmp_path / "ana.inv", tmp_path / "bo.inv"
    code, out, _ = cli(
        capsys, "ana", "mentor", "invite", "--as", "mentee", "--to", str(ana_inv), "--name", "Ana"
    )
    assert code == 0 and "Your fingerprint:" in out
    # The safety number shown must stay true, so Bo's keys are made (once) before it is shown.
    assert cli(capsys, "bo", "id")[0] == 0
    before = dump("bo")
    code, out, err = cli(capsys, "bo", "mentor", "pair", str(ana_inv))  # no terminal, no --yes
    assert code == 2 and len(err.strip().splitlines()) == 1 and "--yes" in err
    assert "Safety number:" in out and dump("bo") == before
    code, out, _ = cli(
        capsys, "bo", "mentor", "pair", str(ana_inv), "--yes", "--to", str(bo_inv), "--name", "Bo"
    )
    assert code == 0 and "Paired with Ana as your mentee" in out
    bo_number = next(line for line in out.splitlines() if line.startswith("Safety number:"))
    code, out, _ = cli(capsys, "ana", "mentor", "pair", str(bo_inv), "--yes")
    assert code == 0 and "Paired with Bo as your mentor" in out
    ana_number = next(line for line in out.splitlines() if line.startswith("Safety number:"))
    assert ana_number == bo_number
    listed = json.loads(cli(capsys, "ana", "mentor", "pairs", "--json")[1])
    assert [(p["name"], p["role"]) for p in listed] == [("Bo", "mentor")]
    assert listed[0]["safety_number"] == bo_number.split(":", 1)[1].strip()
    code, out, _ = cli(capsys, "ana", "mentor", "unpair", "Bo")
    assert code == 0 and "Unpaired Bo (mentor)" in out
    assert json.loads(cli(capsys, "ana", "mentor", "pairs", "--json")[1]) == []


def test_a_forged_or_own_invitation_is_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    ana_inv = tmp_path / "ana.inv"
    assert (
        cli(
            capsys,
            "ana",
            "mentor",
            "invite",
            "--as",
            "mentee",
            "--to",
            str(ana_inv),
            "--name",
            "Ana",
        )[0]
        == 0
    )
    code, _, err = cli(capsys, "ana", "mentor", "pair", str(ana_inv), "--yes")
    assert code == 2 and "your own invitation" in err
    # Eve swaps in her own keys, keeping Ana's signed part: the signature no longer matches.
    eve_inv = tmp_path / "eve.inv"
    assert (
        cli(
            capsys,
            "eve",
            "mentor",
            "invite",
            "--as",
            "mentee",
            "--to",
            str(eve_inv),
            "--name",
            "Eve",
        )[0]
        == 0
    )
    forged = json.loads(ana_inv.read_text())
    forged["identity"] = json.loads(eve_inv.read_text())["identity"]
    bad = tmp_path / "forged.inv"
    bad.write_text(json.dumps(forged))
    before = dump("bo")
    code, _, err = cli(capsys, "bo", "mentor", "pair", str(bad), "--yes")
    assert code == 2 and len(err.strip().splitlines()) == 1 and "forged" in err
    assert dump("bo") == before
    # A bundle is not an invitation.
    code, _, err = cli(capsys, "bo", "mentor", "pair", str(tmp_path / "missing.inv"), "--yes")
    assert code == 2 and "cannot read" in err


# ----------------------------------------------------------------------------- migration
def test_pairings_from_before_signing_migrate_with_one_notice_and_keep_everything(
    people: People, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Profiles paired by an older Mastery hold copies and comments but no keys: one line,
    once, says to pair again; after pairing, the first sealed file links the old data."""
    ana, bo = people.ana, people.bo
    for col in (ana, bo):
        col.set_meta("mentor_peers", [])  # as an older Mastery left it: no pairing
    notice = bo.mentor.repair_notice()
    assert notice and "Ana" in notice and "mastery mentor invite" in notice
    assert bo.mentor.repair_notice() is None  # once
    with pytest.raises(MasteryError, match="not paired with this profile yet"):
        bo.mentor.reply("Ana", tmp_path / "x.feedback", now=NOW)
    assert ana.mentor.repair_notice(mark=False) and "Bo" in ana.mentor.repair_notice()

    pair(ana, bo)  # invitations exchanged again
    ana.journal.add("After pairing again", visibility="shared", now=NOW)
    bundle = tmp_path / "again.bundle"
    ana.mentor.export_bundle(bundle, now=NOW)
    report = bo.mentor.add_bundle(bundle, now=NOW)
    assert report.relinked and not report.new_mentee and len(bo.mentor.mentees()) == 1
    assert [c.body for c in bo.mentor.mentee_comments("Ana")] == ["Try it in a sentence"]
    bo.mentor.delete_comment(people.comment, now=NOW)
    bo.mentor.reply("Ana", tmp_path / "again.feedback", now=NOW)
    assert ana.mentor.import_feedback(tmp_path / "again.feedback", now=NOW).withdrawn == 1
    assert _comments(ana) == [] and bo.mentor.unpaired_names() == []


def test_an_unpaired_mentor_s_files_are_refused(
    people: People, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bo, ana = people.bo, people.ana
    bo.mentor.comment("Ana", "entry", people.entry, "Later", now=NOW)
    later = tmp_path / "later.feedback"
    bo.mentor.reply("Ana", later, now=NOW)
    gone = ana.mentor.unpair("bo")
    assert (gone.name, gone.role) == ("Bo", "mentor") and ana.mentor.peers() == []
    refused(ana.mentor.import_feedback, later, ana, "not from a mentor you paired with", now=NOW)
    assert _comments(ana) == ["Try it in a sentence"]  # what he sent stays
    with pytest.raises(MasteryError, match="nobody paired"):
        ana.mentor.unpair("Bo")


def test_the_cli_says_once_to_pair_again(
    people: People, capsys: pytest.CaptureFixture[str]
) -> None:
    people.bo.set_meta("mentor_peers", [])  # as an older Mastery left it
    code, out, err = cli(capsys, "bo", "mentor", "list")
    assert code == 0 and "Ana" in out
    [line] = err.strip().splitlines()
    assert line.startswith("mastery: note: mentor files are now signed") and "Ana" in line
    code, _, err = cli(capsys, "bo", "mentor", "list")
    assert code == 0 and err == ""  # once
    code, _, err = cli(capsys, "bo", "mentor", "reply", "Ana", "--to", "x.feedback")
    assert code == 2 and "not paired with this profile yet" in err


def test_an_invitation_travels_as_one_line_for_a_chat(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, line, err = cli(
        capsys, "ana", "mentor", "invite", "--as", "mentee", "--code", "--name", "Ana"
    )
    line = line.strip()
    assert code == 0 and line.startswith("mastery-invitation1:") and "\n" not in line
    assert "Your fingerprint:" in err
    assert cli(capsys, "bo", "id")[0] == 0
    before = dump("bo")
    code, _, err = cli(capsys, "bo", "mentor", "pair", line[:80], "--yes")  # cut short in a chat
    assert code == 2 and err.startswith("mastery: error: invitation code: ")
    assert len(err.strip().splitlines()) == 1 and dump("bo") == before
    code, out, _ = cli(capsys, "bo", "mentor", "pair", line, "--yes")
    assert code == 0 and "Paired with Ana as your mentee" in out


def test_a_file_applied_before_unpairing_stays_refused_after_pairing_again(
    people: People, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Unpairing keeps the person's sequence numbers aside: pairing again must not reopen
    the door to a replay of a file applied back then."""
    bo, ana = people.bo, people.ana
    bo.mentor.comment("Ana", "entry", people.entry, "Before the break", now=NOW)
    first = tmp_path / "first.feedback"
    bo.mentor.reply("Ana", first, now=NOW)
    ana.mentor.import_feedback(first, now=NOW)
    bo.mentor.delete_comment(  # Bo withdraws it later...
        next(c.uid for c in bo.mentor.mentee_comments("Ana") if c.body == "Before the break"),
        now=NOW,
    )
    second = tmp_path / "second.feedback"
    bo.mentor.reply("Ana", second, now=NOW)
    ana.mentor.import_feedback(second, now=NOW)
    ana.mentor.unpair("Bo")
    pair(ana, bo)
    refused(ana.mentor.import_feedback, first, ana, "replayed or older", now=NOW)
    assert "Before the break" not in _comments(ana)  # the withdrawn comment stays withdrawn
