"""`mastery mentor ...`: both sides of mentoring.

First, once per person: `invite` writes this profile's invitation, `pair` checks the other
person's (fingerprint, safety number, a question to confirm) and can write one back; `pairs`
lists who is paired. As a mentee: `export` a bundle of what you share, import your mentor's
`feedback`. As a mentor: `add` a mentee's bundle, `list`/`show`/`open` your mentees, `comment`
and `note`, then `reply` with a feedback file; `remove` forgets a mentee.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mastery import present
from mastery.cli.common import json_flag, open_profile, print_json, say, table, with_profile
from mastery.errors import MasteryError
from mastery.text import safe_line

if TYPE_CHECKING:
    from collections.abc import Callable

    from mastery.collection import Collection
    from mastery.mentor import InvitationView


def _noticed(handler: Callable[[Collection, argparse.Namespace], int]) -> Any:
    """`with_profile(handler)`, first telling once (one line) that pairings from before files
    were signed must be made again."""

    def run(col: Collection, args: argparse.Namespace) -> int:
        notice = col.mentor.repair_notice()
        if notice:
            print(f"mastery: note: {safe_line(notice)}", file=sys.stderr)
        return handler(col, args)

    return with_profile(run)


def register(sub: Any) -> None:
    """`mentor` with its actions, the mentee's first, then the mentor's."""
    mentor = sub.add_parser(
        "mentor", help="mentors: share entries and get feedback, or mentor others"
    )
    actions = mentor.add_subparsers(dest="mentor_command", metavar="ACTION", required=True)

    p = actions.add_parser(
        "invite", help="write your invitation (public keys, name, role) for a mentor or mentee"
    )
    p.add_argument("--to", metavar="FILE", help="the invitation file to write")
    p.add_argument(
        "--code", action="store_true", help="print it as one line to paste into a chat instead"
    )
    p.add_argument(
        "--as",
        dest="role",
        choices=("mentee", "mentor"),
        required=True,
        help="your role: mentee (inviting your mentor) or mentor (inviting a mentee)",
    )
    p.add_argument("--name", help="the name the other person sees (remembered)")
    json_flag(p)
    p.set_defaults(run=_noticed(_invite))
    p = actions.add_parser(
        "pair", help="check someone's invitation, compare the safety number, and pair"
    )
    p.add_argument("file", metavar="INVITATION", help="the invitation file, or its one-line code")
    p.add_argument("--yes", action="store_true", help="pair without asking (for scripts)")
    p.add_argument("--to", metavar="FILE", help="also write your own invitation back to this file")
    p.add_argument("--name", help="the name the other person sees (remembered)")
    json_flag(p)
    p.set_defaults(run=_noticed(_pair))
    p = actions.add_parser("pairs", help="the mentors and mentees you are paired with")
    json_flag(p)
    p.set_defaults(run=_noticed(_pairs))
    p = actions.add_parser("unpair", help="forget a paired person: their files are refused")
    p.add_argument("name", metavar="NAME", help="their name, as `mentor pairs` lists it")
    p.add_argument("--role", choices=("mentee", "mentor"), help="when they are both")
    json_flag(p)
    p.set_defaults(run=_noticed(_unpair))

    p = actions.add_parser("export", help="write a bundle of what you share for your mentor")
    p.add_argument("--to", metavar="FILE", help="the bundle file to write")
    p.add_argument(
        "--mentor", metavar="NAME", help="the paired mentor it is for (needed if you have several)"
    )
    p.add_argument(
        "--since", metavar="DATE", help='only entries from this day on: "2026-10-01", "3 weeks ago"'
    )
    p.add_argument("--name", help="the name your mentor sees (remembered)")
    p.add_argument(
        "--deck",
        action="append",
        dest="decks",
        metavar="DECK",
        help="include this deck's maturity (counts only, no card text; repeatable)",
    )
    p.add_argument(
        "--preview",
        action="store_true",
        help="print exactly what would be written, and write nothing",
    )
    json_flag(p)
    p.set_defaults(run=_noticed(_export))
    p = actions.add_parser("feedback", help="import your mentor's feedback file")
    p.add_argument("file", metavar="FILE", help="the feedback file your mentor wrote")
    json_flag(p)
    p.set_defaults(run=_noticed(_feedback))

    p = actions.add_parser("add", help="store (or update) a mentee's bundle")
    p.add_argument("file", metavar="FILE", help="the bundle file your mentee wrote")
    json_flag(p)
    p.set_defaults(run=_noticed(_add))
    p = actions.add_parser("list", help="your mentees: last activity, entries, unread")
    json_flag(p)
    p.set_defaults(run=_noticed(_list))
    p = actions.add_parser("show", help="a mentee's shared goals and entries (marks them read)")
    p.add_argument("name", metavar="NAME", help="the mentee: number or name")
    p.add_argument(
        "--tag", action="append", dest="tags", metavar="TAG", help="entries with this tag"
    )
    p.add_argument("--goal", metavar="GOAL", help="g-<id>, or words of the goal's title")
    p.add_argument(
        "--when",
        metavar="PHRASE",
        help='"last week", "since 2026-10-01", "in march", "last 30 days"',
    )
    p.add_argument("--keep-unread", action="store_true", help="do not mark entries read")
    json_flag(p)
    p.set_defaults(run=_noticed(_show))
    p = actions.add_parser("open", help="open the Mentees screen")
    p.add_argument("name", nargs="?", metavar="NAME", help="start on this mentee")
    p.set_defaults(run=_open)
    p = actions.add_parser("comment", help="comment on a mentee's entry or goal")
    p.add_argument("name", metavar="NAME", help="the mentee: number or name")
    p.add_argument("ref", metavar="ENTRY_OR_GOAL", help="entry id (e-...) or goal id (g-...)")
    p.add_argument("text", help="your comment")
    json_flag(p)
    p.set_defaults(run=_noticed(_comment))
    p = actions.add_parser("note", help='write your overall note for a mentee ("" clears it)')
    p.add_argument("name", metavar="NAME", help="the mentee: number or name")
    p.add_argument("text", help="your note")
    json_flag(p)
    p.set_defaults(run=_noticed(_note))
    p = actions.add_parser(
        "remove", help="forget a mentee: their copy, entries and your comments on them"
    )
    p.add_argument("name", metavar="NAME", help="the mentee: number or name")
    json_flag(p)
    p.set_defaults(run=_noticed(_remove))
    p = actions.add_parser("reply", help="write the feedback file for a mentee")
    p.add_argument("name", metavar="NAME", help="the mentee: number or name")
    p.add_argument("--to", metavar="FILE", help="the feedback file to write")
    p.add_argument(
        "--name", dest="my_name", metavar="YOUR_NAME", help="the name your mentee sees (remembered)"
    )
    p.add_argument(
        "--preview",
        action="store_true",
        help="print exactly what would be written, and write nothing",
    )
    json_flag(p)
    p.set_defaults(run=_noticed(_reply))


# ----------------------------------------------------------------------------- pairing
def _invite(col: Collection, args: argparse.Namespace) -> int:
    from mastery.mentor.peers import other_role

    if bool(args.to) == bool(args.code):
        raise MasteryError("give --to FILE to write the invitation, or --code to print it")
    if args.code:
        mine, code = col.mentor.invitation_code(role=args.role, name=args.name)
        if args.json:
            print_json({**mine.to_dict(), "code": code})
            return 0
        print(code)
        print(f"Your fingerprint: {mine.fingerprint}", file=sys.stderr)
        print(
            "Paste the line above to them; they pair with `mastery mentor pair 'LINE'`.",
            file=sys.stderr,
        )
        return 0
    mine = col.mentor.write_invitation(Path(args.to), role=args.role, name=args.name)
    if args.json:
        print_json({**mine.to_dict(), "file": args.to})
        return 0
    other = other_role(args.role)
    print(f"Wrote your invitation as {safe_line(mine.name)} ({args.role}) to {args.to}")
    print(f"Your fingerprint: {mine.fingerprint}")
    print(
        f"Send it to your {other}; they pair with `mastery mentor pair FILE` and send theirs back."
    )
    return 0


def _pair(col: Collection, args: argparse.Namespace) -> int:
    from mastery.mentor.peers import other_role

    mentor = col.mentor
    invitation = mentor.read_invitation(args.file)
    name = safe_line(invitation.name)
    out = sys.stderr if args.json else sys.stdout
    print(f"{name} invites you as their {other_role(invitation.role)}.", file=out)
    print(f"Their fingerprint:  {invitation.fingerprint}", file=out)
    print(f"Safety number:      {invitation.safety_number}", file=out)
    print(
        f"Compare this safety number with {name} on a call (or in person) before you trust it.",
        file=out,
    )
    if not args.yes:
        _confirm(args.file, f"Pair with {name} as your {invitation.role}?")
    peer = mentor.pair(invitation)
    mine: InvitationView | None = None
    if args.to:
        mine = mentor.write_invitation(
            Path(args.to), role=other_role(invitation.role), name=args.name
        )
    if args.json:
        print_json({"paired": peer.to_dict(), "invitation_written": args.to})
        return 0
    print(f"Paired with {safe_line(peer.name)} as your {peer.role}.")
    if mine is not None:
        print(f"Wrote your invitation to {args.to}: send it to {name} so they can pair too.")
    return 0


def _confirm(source: str, question: str) -> None:
    """Ask on the terminal; refuse in one line when nobody can answer (no terminal, no
    --yes) or the answer is not yes: pairing trusts a key, so it is never silent."""
    if not sys.stdin.isatty():
        raise MasteryError(
            f"{source}: not paired: compare the safety number and confirm in a terminal, "
            "or add --yes"
        )
    try:
        answer = input(f"{question} [y/N] ")
    except EOFError:
        answer = ""
    if answer.strip().casefold() not in ("y", "yes"):
        raise MasteryError(f"{source}: not paired (not confirmed); nothing changed")


def _pairs(col: Collection, args: argparse.Namespace) -> int:
    peers = col.mentor.peers()
    if args.json:
        print_json([p.to_dict() for p in peers])
    elif not peers:
        print(
            "Nobody paired yet. Write an invitation with `mastery mentor invite --as mentee "
            "--to FILE` (or --as mentor), or pair with one: `mastery mentor pair FILE`"
        )
    else:
        table(
            ["name", "role", "fingerprint", "safety number", "paired"],
            [
                [p.name, p.role, p.fingerprint, p.safety_number, p.paired.date().isoformat()]
                for p in peers
            ],
        )
    return 0


def _unpair(col: Collection, args: argparse.Namespace) -> int:
    gone = col.mentor.unpair(args.name, args.role)
    if args.json:
        print_json({"unpaired": gone.to_dict()})
    else:
        print(
            f"Unpaired {safe_line(gone.name)} ({gone.role}): their files are refused from now "
            "on; what they sent stays"
        )
    return 0


# ----------------------------------------------------------------------------- the mentee's side
def _export(col: Collection, args: argparse.Namespace) -> int:
    mentor = col.mentor
    if not args.to and not args.preview:
        raise MasteryError("where to? give --to FILE (or --preview to see the bundle)")
    preview = mentor.preview_bundle(
        since=args.since, name=args.name, decks=args.decks or (), mentor=args.mentor
    )
    if args.preview:
        sys.stdout.write(preview.text)
        return 0
    mentor.write_bundle(Path(args.to), preview)
    if args.json:
        print_json({**preview.to_dict(), "file": args.to})
    else:
        print(
            f"Wrote {present.plural(preview.entry_count, 'shared entry', 'shared entries')} and "
            f"{present.plural(preview.goal_count, 'shared goal')} to {args.to} as {preview.name}, "
            f"sealed for {safe_line(preview.mentor or '')}"
        )
        print("Private entries, private goals and card text are never included.")
    return 0


def _feedback(col: Collection, args: argparse.Namespace) -> int:
    report = col.mentor.import_feedback(Path(args.file))
    if args.json:
        print_json(report.to_dict())
        return 0
    mentor_name = safe_line(report.mentor_name)
    print(
        f"Feedback from {mentor_name}: {present.plural(report.added, 'new comment')}, "
        f"{report.updated} updated, {report.unchanged} unchanged, "
        f"{report.withdrawn} withdrawn"
    )
    if report.note is not None:
        print(f"New note from {mentor_name}:")
        for line in report.note.body.splitlines():
            print(f"    {safe_line(line)}")
    if report.added or report.updated:
        print("See them with `mastery journal show ENTRY` and `mastery goal show GOAL`.")
    return 0


# ----------------------------------------------------------------------------- the mentor's side
def _add(col: Collection, args: argparse.Namespace) -> int:
    added = col.mentor.add_bundle(Path(args.file))
    if args.json:
        print_json(added.to_dict())
        return 0
    m = added.mentee
    verb = "Added" if added.new_mentee else "Updated"
    if added.relinked:
        print(f"Linked {safe_line(m.name)}'s copy from before pairing to their paired key")
    print(
        f"{verb} {safe_line(m.name)}: {added.added} new, {added.updated} changed, "
        f"{added.unchanged} unchanged, {added.removed} no longer shared; "
        f"{present.plural(m.entries, 'entry', 'entries')} and {present.plural(m.goals, 'goal')} in all"
    )
    return 0


def _list(col: Collection, args: argparse.Namespace) -> int:
    mentees = col.mentor.mentees()
    for m in mentees:
        if m.problem:
            print(
                f"mastery: warning: mentee {m.id} ({safe_line(m.name)}) is stored with "
                f"invalid data ({safe_line(m.problem)}); a newer bundle replaces it, or "
                f"remove it with `mastery mentor remove {m.id}`",
                file=sys.stderr,
            )
    if args.json:
        print_json([m.to_dict() for m in mentees])
    elif not mentees:
        print("No mentees yet. Store a mentee's bundle with: mastery mentor add FILE")
    else:
        table(
            ["mentee", "last activity", "entries", "unread", "goals", "comments"],
            [
                [
                    m.name + (" (invalid)" if m.problem else ""),
                    m.last_activity.isoformat(),
                    m.entries,
                    m.unread,
                    m.goals,
                    m.comments,
                ]
                for m in mentees
            ],
        )
    return 0


def _open(args: argparse.Namespace) -> int:
    """The Mentees screen, on one mentee when named; an unknown (or empty) name is refused
    before the screen opens."""
    col = open_profile(args)
    try:
        if args.name is not None:
            col.mentor.mentee(args.name)
        from mastery.tui.app import run_app

        return run_app(col, start_screen="mentees", mentee=args.name) or 0
    finally:
        col.close()


def _comment(col: Collection, args: argparse.Namespace) -> int:
    mentor = col.mentor
    kind, target = mentor.resolve_target(args.name, args.ref)
    comment = mentor.comment(args.name, kind, target, args.text)
    if args.json:
        print_json(comment.to_dict())
    else:
        print(f"Comment {comment.uid} on {kind} {safe_line(target)}; it goes with your next reply")
    return 0


def _note(col: Collection, args: argparse.Namespace) -> int:
    info = col.mentor.set_note(args.name, args.text)
    if args.json:
        print_json(info.to_dict())
    elif info.note:
        print(f"Note for {safe_line(info.name)} saved; it goes with your next reply")
    else:
        print(f"Note for {safe_line(info.name)} cleared")
    return 0


def _remove(col: Collection, args: argparse.Namespace) -> int:
    gone = col.mentor.remove_mentee(args.name)
    if args.json:
        print_json({"removed": gone.id, "name": gone.name})
    else:
        print(
            f"Removed mentee {gone.id} ({safe_line(gone.name)}), their entries and "
            "your comments on them"
        )
    return 0


def _reply(col: Collection, args: argparse.Namespace) -> int:
    if not args.to and not args.preview:
        raise MasteryError("where to? give --to FILE (or --preview to see the feedback)")
    if args.preview:
        sys.stdout.write(col.mentor.preview_reply(args.name, name=args.my_name).text)
        return 0
    preview = col.mentor.reply(args.name, Path(args.to), name=args.my_name)
    if args.json:
        print_json({**preview.to_dict(), "file": args.to})
    else:
        note = " and your note" if preview.note else ""
        withdrawn = f", {len(preview.withdrawn)} withdrawn" if preview.withdrawn else ""
        print(
            f"Wrote {present.plural(len(preview.comments), 'comment')}{withdrawn}{note} for "
            f"{safe_line(preview.mentee.name)} to {args.to}"
        )
    return 0


def _show(col: Collection, args: argparse.Namespace) -> int:
    """A mentee's shared goals and entries with your comments; entries shown are marked read
    unless `--keep-unread`."""
    mentor = col.mentor
    info = mentor.mentee(args.name)
    if info.problem:
        print(
            f"mastery: warning: the stored copy of {safe_line(info.name)} is invalid "
            f"({safe_line(info.problem)}); a newer bundle replaces it, or remove it with "
            f"`mastery mentor remove {info.id}`",
            file=sys.stderr,
        )
    entries = mentor.mentee_entries(info, tag=args.tags, goal=args.goal, when=args.when)
    goals = mentor.mentee_goals(info)
    if not args.keep_unread and entries:
        mentor.mark_entries_read(info, [e.uid for e in entries])
    if args.json:
        print_json(
            {
                "mentee": info.to_dict(),
                "goals": [g.to_dict() for g in goals],
                "entries": [e.to_dict() for e in entries],
            }
        )
        return 0
    s = info.summary
    retention = present.percent(s.retention_30d)
    say(
        f"{info.name}  (bundle of {info.bundle_created.date().isoformat()}, "
        f"last activity {info.last_activity.isoformat()})"
    )
    say(
        f"Review streak {present.plural(s.review_streak, 'day')} · journal streak "
        f"{present.plural(s.journal_streak, 'day')} · {present.plural(s.reviews_30d, 'review')} in 30 days, "
        f"retention {retention}"
    )
    for d in s.decks:
        say(f"  {d.name} ({d.key}): {d.mature}/{d.cards} mature, {d.studied} studied")
    if info.note:
        say(f"Your note: {info.note}")
    for g in goals:
        target = f", target {g.target.isoformat()}" if g.target else ""
        say(
            f"\n{g.id}  {g.title}  [{g.status}{target}]  {present.bar(g.progress)} {present.percent(g.progress)}"
        )
        if g.vision:
            say(f"    Vision:  {g.vision}")
        if g.reality:
            say(f"    Reality: {g.reality}")
        for m in g.milestones:
            say(f"    [{'x' if m.done else ' '}] {m.position}. {m.title}")
        if g.confidence_trend:
            say("    Confidence: " + " -> ".join(str(c) for _, c in g.confidence_trend[-6:]))
        _print_own_comments(g.comments)
    if not entries:
        say(
            "\nNo shared entries match."
            if (args.tags or args.goal or args.when)
            else "\nNo shared entries."
        )
    for e in entries:
        new = "  [new]" if e.unread else ""
        tags = ("  #" + " #".join(e.tags)) if e.tags else ""
        say(f"\n{e.day.isoformat()}  {e.uid}  {e.title}{new}{tags}")
        if e.goals:
            say(
                "    goals: "
                + "; ".join(f"{g} {t}" for g, t in zip(e.goal_ids, e.goals, strict=True))
            )
        for line in e.body.splitlines():
            say(f"    {line}")
        _print_own_comments(e.comments)
    return 0


def _print_own_comments(comments: Sequence[Any]) -> None:
    """Your comments under the mentee's goal or entry, quoted."""
    for c in comments:
        first, *rest = c.body.splitlines() or [""]
        say(f"    > {c.uid}: {first}")
        for line in rest:
            say(f"    > {line}")
