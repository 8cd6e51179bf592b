"""Where chunks travel: a plain folder (another tool syncs it) or a git remote.

Both give the sync a local folder laid out as docs/sync.md shows; the git one is a clone in
the profile's sync cache, brought up to date before reading (`pull`) and published after
writing (`push`). Each device writes only its own files, so a rebase never conflicts; a push
that loses a race with another device pulls again and retries.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

from mastery.errors import SyncError

_PUSH_TRIES = 4
_BRANCH = "main"
# What the host sees in the history: no names, no e-mail, no machine, no time zone, no
# time: the app syncs after every review session, so commit dates would tell anyone who
# reads the repository when the learner studied. Every commit carries this date.
_GIT_IDENTITY = ("-c", "user.name=mastery", "-c", "user.email=mastery@invalid")
_GIT_DATE = "2000-01-01T00:00:00+0000"


def is_git_url(target: str) -> bool:
    """A git remote (URL, scp-like address, a bare repository folder) rather than a folder
    another tool syncs."""
    if re.match(r"^[a-z][a-z0-9+.-]*://", target) or re.match(r"^[\w.-]+@[\w.-]+:", target):
        return True
    path = Path(target).expanduser()
    if target.endswith(".git") and not path.exists():
        return True
    return (path / "HEAD").is_file() and (path / "objects").is_dir()


def _reason(stderr: str) -> str:
    """git's own reason in one line: its first `fatal:` or `error:` line (the lines after it
    are advice), else its last line."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    for line in lines:
        if line.startswith(("fatal:", "error:")):
            return line
    return lines[-1] if lines else "failed"


class FolderTarget:
    """A folder used in place; Syncthing or Dropbox carries it between devices."""

    kind = "folder"

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root).expanduser().resolve()

    @property
    def folder(self) -> Path:
        return self.root

    def pull(self) -> None:
        if not self.root.is_dir():
            raise SyncError(f"{self.root}: the sync folder is not there (unmounted?)")

    def push(self) -> None:
        """Nothing to publish: the files are written in place."""

    def forget(self) -> None:
        """Nothing kept apart from the folder itself."""


class GitTarget:
    """A git remote, cloned into `cache`."""

    kind = "git"

    def __init__(self, url: str, cache: Path, *, batch: bool = False) -> None:
        """`batch`: git runs without the terminal (the app: an ssh prompt for a key's
        passphrase or a new host would draw over the screen and wait for keys the app
        takes), so what would ask fails in one line instead; an ssh agent still works."""
        self.url = url
        self.cache = cache
        self.batch = batch

    @property
    def folder(self) -> Path:
        return self.cache

    def _git(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        # TZ: a commit records its author's UTC offset, which would tell the host where the
        # learner is; every sync commit says +0000, and the same date (`_GIT_DATE`).
        env = {
            **os.environ,
            "GIT_TERMINAL_PROMPT": "0",
            "LC_ALL": "C",
            "TZ": "UTC",
            "GIT_AUTHOR_DATE": _GIT_DATE,
            "GIT_COMMITTER_DATE": _GIT_DATE,
        }
        try:
            done = subprocess.run(
                ["git", *_GIT_IDENTITY, *args],
                cwd=self.cache if (self.cache / ".git").exists() else None,
                env=env,
                capture_output=True,
                text=True,
                timeout=300,
                # A session of its own has no terminal for ssh to ask on.
                stdin=subprocess.DEVNULL if self.batch else None,
                start_new_session=self.batch,
            )
        except FileNotFoundError as exc:
            raise SyncError("git is not installed (needed for a git sync target)") from exc
        except subprocess.TimeoutExpired as exc:
            raise SyncError(f"git {args[0]} took more than 5 minutes; try again") from exc
        if check and done.returncode:
            raise SyncError(f"git {args[0]}: {_reason(done.stderr)}")
        return done

    def forget(self) -> None:
        """Drop the clone: the next pull clones the remote afresh."""
        import shutil

        shutil.rmtree(self.cache, ignore_errors=True)

    def _rebase(self) -> None:
        """Pull with rebase; a failed one is aborted, so the clone is never left mid-rebase
        (every later pull would fail on it)."""
        done = self._git("pull", "--quiet", "--rebase", "origin", _BRANCH, check=False)
        if done.returncode:
            self._git("rebase", "--abort", check=False)
            raise SyncError(f"git pull: {_reason(done.stderr)}")

    def _settle(self) -> None:
        """Whatever a killed sync left in the clone, put right before pulling. Only this
        device's own sync writes the clone, under the profile's sync lock, so no git of ours
        is running: a leftover `index.lock` is stale; a rebase is aborted back to this
        device's own commits (each device's files are its own, so they rebase again
        cleanly); files written, or staged, but not committed are this device's chunks (a
        kill between writing and committing): committed now, so they are pushed with the
        next ones (a dirty index would also make every later `pull --rebase` refuse)."""
        git_dir = self.cache / ".git"
        (git_dir / "index.lock").unlink(missing_ok=True)
        if (git_dir / "rebase-merge").exists() or (git_dir / "rebase-apply").exists():
            self._git("rebase", "--abort", check=False)
        self._commit_all()

    def _commit_all(self) -> None:
        self._git("add", "--all")
        if self._git("diff", "--cached", "--quiet", check=False).returncode:
            self._git("commit", "--quiet", "-m", "sync")

    def _remote_has_branch(self) -> bool:
        return bool(self._git("ls-remote", "--heads", "origin", _BRANCH).stdout.strip())

    def pull(self) -> None:
        cloned = (self.cache / ".git").exists()
        if cloned and self._git("remote", "get-url", "origin", check=False).stdout.strip() != (
            self.url
        ):
            cloned = False  # set up again with another remote: its clone starts over
        if not cloned:
            self.cache.parent.mkdir(parents=True, exist_ok=True)
            # A clone left half-made by a killed sync is made again.
            if self.cache.exists():
                import shutil

                shutil.rmtree(self.cache)
            # "--": a target that starts with "-" is a path, never an option for git.
            self._git("clone", "--quiet", "--", self.url, str(self.cache))
            self._git("checkout", "--quiet", "-B", _BRANCH)
        self._settle()
        if self._remote_has_branch():
            self._rebase()

    def push(self) -> None:
        """Commit everything changed in the clone and push, pulling again when another
        device pushed first; a commit left unpushed by an earlier sync goes along. Every
        change is this device's own (only its sync writes the clone): this sync's chunks, and
        a chunk a killed sync wrote and recorded but never committed, which would otherwise
        never leave this device."""
        self._commit_all()
        for attempt in range(_PUSH_TRIES):
            done = self._git("push", "--quiet", "origin", f"HEAD:{_BRANCH}", check=False)
            if not done.returncode:
                return
            if attempt + 1 < _PUSH_TRIES:
                self._rebase()
        raise SyncError(
            f"git push: {_reason(done.stderr)} (the chunk is kept; the next sync pushes it)"
        )


Target = FolderTarget | GitTarget
