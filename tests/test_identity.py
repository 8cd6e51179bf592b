"""A profile's identity (issue 11): key pairs made once, kept in the profile and its backups,
signatures nobody else can make, sealed files only their recipient can open, fingerprints both
sides can compare."""

from __future__ import annotations

import base64
import hashlib
import json
import multiprocessing
import time
from pathlib import Path
from typing import Any

import nacl.public
import nacl.signing
import pytest

from conftest import NOW
from mastery import db, identity
from mastery.cli import main
from mastery.collection import Collection
from mastery.identity import (
    Identity,
    IdentityError,
    IdentityFormatError,
    PublicIdentity,
    SealedFileError,
    SignatureError,
    TamperedError,
    WrongRecipientError,
    safety_number,
    verify,
)


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["--no-bundled-decks", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def stored_records(col: Collection) -> list[str]:
    return [r["value"] for r in col.conn.execute("SELECT value FROM setting WHERE key='_identity'")]


@pytest.fixture
def alice() -> Identity:
    return Identity.generate()


@pytest.fixture
def bob() -> Identity:
    return Identity.generate()


# ----------------------------------------------------------------------------- made once, kept
def test_identity_is_made_on_first_use_and_the_same_after_reopening(col: Collection) -> None:
    assert stored_records(col) == []
    first = Identity.of(col)
    assert Identity.of(col).public == first.public
    assert len(stored_records(col)) == 1
    path = col.db.path
    col.close()
    with Collection.open_path(path) as again:
        assert Identity.of(again).public == first.public
        assert len(stored_records(again)) == 1


def test_two_profiles_have_different_identities(mastery_home: Path) -> None:
    with (
        Collection.open("one", bundled=False, now=NOW) as a,
        Collection.open("two", bundled=False, now=NOW) as b,
    ):
        assert Identity.of(a).public != Identity.of(b).public
        assert Identity.of(a).fingerprint != Identity.of(b).fingerprint


def test_the_backup_carries_the_identity_and_a_restore_brings_it_back(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, before, _ = cli(capsys, "id", "--json")
    assert code == 0
    assert cli(capsys, "backup")[0] == 0
    with Collection.open(bundled=False) as col:
        saved = col.backups()[0]
        # The profile loses its keys (a record broken by hand or by a faulty disk).
        with col.db.transaction() as conn:
            conn.execute("UPDATE setting SET value='{}' WHERE key='_identity'")
    with Collection.open_path(saved) as copy:
        assert Identity.of(copy).public.model_dump() == {
            k: v for k, v in json.loads(before).items() if k.endswith("_key")
        }

    code, out, err = cli(capsys, "id")
    assert (code, out) == (2, "")
    assert err.strip().splitlines() == [
        "mastery: error: this profile's identity keys are damaged; restore a backup "
        "(mastery backup --restore) to get them back"
    ]
    assert cli(capsys, "backup", "--restore", "1")[0] == 0
    code, after, _ = cli(capsys, "id", "--json")
    assert code == 0 and json.loads(after) == json.loads(before)


def test_a_read_only_profile_without_an_identity_refuses_in_one_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    Collection.open(bundled=False, now=NOW).close()
    monkeypatch.setattr(db, "writable", lambda path: False)
    code, out, err = cli(capsys, "id")
    assert (code, out) == (2, "")
    assert len(err.strip().splitlines()) == 1 and "read-only" in err


def _first_use(start: Any, results: Any) -> None:
    """One process's first use of the new profile. Making keys is slowed down so that every
    process reads "no identity yet" before any has stored one: the race is certain to happen,
    and only an insert-once store can still end with one identity."""
    try:
        make = Identity.generate

        def slow_generate() -> Identity:
            made = make()
            time.sleep(0.3)
            return made

        Identity.generate = slow_generate  # type: ignore[method-assign]  # this child only
        start.wait(timeout=60)
        with Collection.open(bundled=False) as col:
            results.put(Identity.of(col).public.to_text())
    except BaseException as exc:  # reported by the parent, with the others
        results.put(f"error: {exc!r}")


def test_twenty_processes_using_a_profile_first_at_once_make_one_identity(
    mastery_home: Path,
) -> None:
    # The profile exists (racing to create one is test_concurrency's); its identity does not.
    # fork: the children start with everything imported, so twenty of them start quickly.
    Collection.open(bundled=False, now=NOW).close()
    ctx = multiprocessing.get_context("fork")
    start, results = ctx.Barrier(20), ctx.Queue()
    children = [ctx.Process(target=_first_use, args=(start, results)) for _ in range(20)]
    for child in children:
        child.start()
    shown = [results.get(timeout=120) for _ in children]
    for child in children:
        child.join(timeout=60)
    assert [s for s in shown if s.startswith("error")] == []
    assert [child.exitcode for child in children] == [0] * 20
    assert len(set(shown)) == 1
    with Collection.open(bundled=False) as col:
        assert Identity.of(col).public.to_text() == shown[0]
        assert len(stored_records(col)) == 1


# ----------------------------------------------------------------------------- signatures
def test_a_signed_message_verifies_and_a_changed_one_is_refused(alice: Identity) -> None:
    signed = alice.sign(b"partial sum: 42")
    assert verify(signed, alice.public) == b"partial sum: 42"
    changed = signed.replace(b"42", b"43")
    with pytest.raises(SignatureError, match="forged or changed"):
        verify(changed, alice.public, source="partial.sig")


def test_a_signature_by_someone_else_is_refused(alice: Identity, bob: Identity) -> None:
    with pytest.raises(SignatureError) as raised:
        verify(bob.sign(b"I am alice"), alice.public, source="forged.sig")
    assert str(raised.value).startswith("forged.sig: the signature is not by ")
    assert alice.fingerprint in str(raised.value)


def test_a_sealed_files_inner_signature_cannot_be_replayed_as_a_signed_message(
    alice: Identity, bob: Identity
) -> None:
    """Both are Ed25519 signatures by the same key; the context they start with keeps one
    from being accepted as the other."""
    inner = nacl.public.SealedBox(bob._encryption).decrypt(
        alice.seal(b"hello", bob.public)[len(identity.SEALED_MAGIC) + 32 :]
    )
    with pytest.raises(SignatureError, match="not a Mastery signed message"):
        verify(inner, alice.public)


# ----------------------------------------------------------------------------- sealed files
def test_only_the_recipient_opens_a_sealed_file_and_learns_who_signed_it(
    alice: Identity, bob: Identity
) -> None:
    sealed = alice.seal(b"my week: 120 reviews", bob.public)
    assert b"120 reviews" not in sealed
    opened = bob.open(sealed, sender=alice.public)
    assert opened.payload == b"my week: 120 reviews"
    assert opened.sender == alice.public
    assert bob.open(sealed).sender == alice.public  # first contact: the caller checks the signer


def test_a_file_sealed_to_alice_cannot_be_opened_by_bob(alice: Identity, bob: Identity) -> None:
    carol = Identity.generate()
    sealed = carol.seal(b"for alice only", alice.public)
    with pytest.raises(WrongRecipientError) as raised:
        bob.open(sealed, source="bundle.sealed")
    assert str(raised.value) == (
        f"bundle.sealed: sealed for another identity, not for this profile ({bob.fingerprint})"
    )
    # Rewriting the recipient named in clear does not help: the box still is alice's.
    header = len(identity.SEALED_MAGIC)
    readdressed = sealed[:header] + bob.public.encryption_bytes + sealed[header + 32 :]
    with pytest.raises(TamperedError):
        bob.open(readdressed)


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda b: b[:-1] + bytes([b[-1] ^ 1]), id="last-byte-flipped"),
        pytest.param(lambda b: b[:60] + bytes([b[60] ^ 0x80]) + b[61:], id="ephemeral-key"),
        pytest.param(lambda b: b[:-10], id="cut-short"),
        pytest.param(lambda b: b + b"\x00", id="byte-appended"),
        pytest.param(lambda b: b[:49], id="only-the-header"),
    ],
)
def test_a_tampered_sealed_file_is_refused(alice: Identity, bob: Identity, damage) -> None:
    sealed = alice.seal(b"feedback: well done", bob.public)
    with pytest.raises(TamperedError) as raised:
        bob.open(damage(sealed), sender=alice.public, source="feedback.sealed")
    assert str(raised.value).startswith("feedback.sealed: ")


def test_a_file_that_is_not_sealed_is_named_as_such(bob: Identity) -> None:
    with pytest.raises(SealedFileError, match=r"^notes\.txt: not a sealed Mastery file$"):
        bob.open(b"plain text", source="notes.txt")


def test_a_file_signed_by_another_key_than_the_paired_one_is_refused(
    alice: Identity, bob: Identity
) -> None:
    mallory = Identity.generate()
    sealed = mallory.seal(b"feedback in alice's name", bob.public)
    with pytest.raises(SignatureError) as raised:
        bob.open(sealed, sender=alice.public, source="feedback.sealed")
    assert str(raised.value) == (
        f"feedback.sealed: signed by {mallory.fingerprint}, not by the expected {alice.fingerprint}"
    )


def test_a_forged_signature_inside_a_sealed_file_is_refused(alice: Identity, bob: Identity) -> None:
    """Mallory writes alice's public keys into the signed part but cannot sign with her key."""
    mallory_key = nacl.signing.SigningKey.generate()
    inner = (
        b"mastery sealed v1\x00"
        + alice.public.signing_bytes
        + alice.public.encryption_bytes
        + bob.public.encryption_bytes
        + b"feedback in alice's name"
    )
    forged = bytes(mallory_key.sign(inner))
    sealed = (
        identity.SEALED_MAGIC
        + bob.public.encryption_bytes
        + bytes(
            nacl.public.SealedBox(nacl.public.PublicKey(bob.public.encryption_bytes)).encrypt(
                forged
            )
        )
    )
    for expected in (alice.public, None):
        with pytest.raises(SignatureError, match="the signature does not match"):
            bob.open(sealed, sender=expected)


def test_a_file_forwarded_by_its_recipient_to_someone_else_is_refused(
    alice: Identity, bob: Identity
) -> None:
    """Bob opens alice's file and re-seals her signed message to carol: carol must not take it
    as alice writing to her."""
    carol = Identity.generate()
    sealed = alice.seal(b"for bob's eyes", bob.public)
    signed = nacl.public.SealedBox(bob._encryption).decrypt(
        sealed[len(identity.SEALED_MAGIC) + 32 :]
    )
    resealed = (
        identity.SEALED_MAGIC
        + carol.public.encryption_bytes
        + bytes(
            nacl.public.SealedBox(nacl.public.PublicKey(carol.public.encryption_bytes)).encrypt(
                signed
            )
        )
    )
    with pytest.raises(WrongRecipientError, match="signed for another recipient"):
        carol.open(resealed, sender=alice.public)


# ----------------------------------------------------------------------------- fingerprints
KNOWN_FINGERPRINT = "57071 37260 47280 49130 48378 28720"


def test_fingerprint_is_six_groups_of_five_digits_and_known_for_fixed_keys() -> None:
    """A known answer: changing how fingerprints are made would make every pair compare
    different numbers, so it must be a deliberate change of this test. The rule is checked
    against Python's own BLAKE2b as well: 5-byte slices of the hash, mod 100000."""
    fixed = Identity(nacl.signing.SigningKey(bytes(32)), nacl.public.PrivateKey(bytes([1]) * 32))
    assert fixed.fingerprint == KNOWN_FINGERPRINT
    digest = hashlib.blake2b(
        fixed.public.signing_bytes + fixed.public.encryption_bytes,
        digest_size=30,
        person=b"mastery-fp-v1",
    ).digest()
    slices = [int.from_bytes(digest[i : i + 5], "big") % 100_000 for i in range(0, 30, 5)]
    assert fixed.fingerprint == " ".join(f"{n:05d}" for n in slices)


def test_both_sides_see_the_same_fingerprint(capsys: pytest.CaptureFixture[str]) -> None:
    """Alice reads hers from `mastery id`; bob parses the line she sent him: same digits."""
    code, out, _ = cli(capsys, "--profile", "alice", "id")
    assert code == 0
    sent, alices_fingerprint = out.splitlines()[1].strip(), out.splitlines()[3].strip()
    assert PublicIdentity.parse(sent).fingerprint == alices_fingerprint
    code, again, _ = cli(capsys, "--profile", "alice", "id")
    assert again == out  # stable
    code, bobs, _ = cli(capsys, "--profile", "bob", "id")
    bob_public = PublicIdentity.parse(bobs.splitlines()[1])
    alice_public = PublicIdentity.parse(sent)
    assert safety_number(alice_public, bob_public) == safety_number(bob_public, alice_public)
    assert bob_public.fingerprint != alice_public.fingerprint


def test_mastery_id_shows_the_public_keys_and_never_the_private_ones(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = cli(capsys, "id", "--json")
    assert (code, err) == (0, "")
    shown = json.loads(out)
    assert set(shown) == {"signing_key", "encryption_key", "text", "fingerprint"}
    with Collection.open(bundled=False) as col:
        mine = Identity.of(col)
        record = json.loads(stored_records(col)[0])
    assert shown["text"] == mine.public.to_text()
    for secret in (record["signing_seed"], record["encryption_secret"]):
        assert secret not in out and secret not in repr(mine)


# ----------------------------------------------------------------------------- parsing
GOOD = base64.b64encode(bytes(nacl.signing.SigningKey(bytes(32)).verify_key)).decode()
ENC = base64.b64encode(bytes(nacl.public.PrivateKey(bytes([1]) * 32).public_key)).decode()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("ssh-ed25519 AAAA", "invite: a public identity starts with 'mastery-id1:'"),
        (f"mastery-id1:{GOOD}", "invite: a public identity is two keys separated by ':'"),
        (f"mastery-id1:{GOOD}:not*base64", "invite: encryption key is not base64"),
        (f"mastery-id1:{GOOD[:-4]}:{ENC}", "invite: signing key must be 32 bytes, not 30"),
        (f"mastery-id1:{GOOD}:{base64.b64encode(bytes(40)).decode()}", "must be 32 bytes, not 40"),
        (f"mastery-id1:{base64.b64encode(bytes(32)).decode()}:{ENC}", "not a valid Ed25519"),
        (f"mastery-id1:{GOOD}:{base64.b64encode(bytes(32)).decode()}", "not a valid X25519"),
        # Small-order X25519 points (u = 1, a point of order 8, and p - 1 written out): they
        # parsed, and only sealing a file to them failed, long after a roster stored them.
        *(
            (f"mastery-id1:{GOOD}:{base64.b64encode(bytes.fromhex(h)).decode()}", "X25519")
            for h in (
                "01" + "00" * 31,
                "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
                "ec" + "ff" * 30 + "7f",
            )
        ),
    ],
)
def test_a_bad_public_identity_is_one_line_naming_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(IdentityFormatError) as raised:
        PublicIdentity.parse(text, source="invite")
    assert message in str(raised.value)
    assert "\n" not in str(raised.value)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"signing_key": GOOD}, "roster: encryption key missing"),
        ({"signing_key": GOOD, "encryption_key": 7}, "roster: encryption key must be text"),
        ({"signing_key": GOOD, "encryption_key": ENC, "name": "x"}, "roster: name unknown field"),
        ([GOOD, ENC], "roster: must be an object"),
    ],
)
def test_a_bad_public_identity_object_is_one_line(data: object, message: str) -> None:
    with pytest.raises(IdentityFormatError) as raised:
        PublicIdentity.from_data(data, source="roster")
    assert str(raised.value) == message


def test_a_public_identity_round_trips_through_its_text(alice: Identity) -> None:
    assert PublicIdentity.parse(alice.public.to_text()) == alice.public
    assert PublicIdentity.from_data(alice.public.model_dump()) == alice.public


def test_a_damaged_stored_identity_is_an_identity_error_not_a_crash(col: Collection) -> None:
    Identity.of(col)
    with col.db.transaction() as conn:
        conn.execute(
            "UPDATE setting SET value=? WHERE key='_identity'",
            (json.dumps({"version": 1, "signing_seed": "short", "encryption_secret": "x"}),),
        )
    with pytest.raises(IdentityError, match="damaged"):
        Identity.of(col)
