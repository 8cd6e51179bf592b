"""Where a profile syncs from: the machine and the profile database's path (issue 14).

A profile folder copied to another machine (or beside itself) carries the sync state of
the device it was copied from, device id included. Two live copies under one id would write
the same chunk numbers and stamp revisions as one device, whose revisions of an item are
taken to descend from each other: one edit would be lost. So the place a device was set up
at is recorded with its sync state and checked at each sync (`Sync`).
"""

from __future__ import annotations

import hashlib
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

__all__ = ["MACHINE_ID_VARIABLE", "here", "machine_id"]

# For tests and containers (whose machine id may be shared by every copy of an image).
MACHINE_ID_VARIABLE = "MASTERY_MACHINE_ID"
_SOURCES = (Path("/etc/machine-id"), Path("/var/lib/dbus/machine-id"))
_MAC_UUID = re.compile(r'"IOPlatformUUID"\s*=\s*"([0-9A-Fa-f-]{36})"')


def _platform_id() -> str:
    """The id macOS and Windows keep for the machine: neither has /etc/machine-id, and the
    hostname a Mac reports can change with the network it joins (a false "copied profile"
    refusal each time)."""
    if sys.platform == "darwin":
        try:
            out = subprocess.run(
                ["ioreg", "-rd1", "-c", "IOPlatformExpertDevice"],
                capture_output=True,
                text=True,
                timeout=5,
                check=False,
            ).stdout
        except (OSError, subprocess.SubprocessError):
            return ""
        found = _MAC_UUID.search(out)
        return found.group(1) if found else ""
    if sys.platform == "win32":
        try:
            import winreg

            with winreg.OpenKey(  # type: ignore[attr-defined,unused-ignore]
                winreg.HKEY_LOCAL_MACHINE,  # type: ignore[attr-defined,unused-ignore]
                r"SOFTWARE\Microsoft\Cryptography",
            ) as key:
                value = winreg.QueryValueEx(key, "MachineGuid")[0]  # type: ignore[attr-defined,unused-ignore]
        except OSError:
            return ""
        return str(value)
    return ""


def machine_id() -> str:
    """This machine, as a digest: machine-id(5) asks applications not to keep the raw id,
    which is meant to stay private to the machine."""
    raw = os.environ.get(MACHINE_ID_VARIABLE, "").strip()
    for source in () if raw else _SOURCES:
        try:
            raw = source.read_text(encoding="ascii", errors="replace").strip()
        except OSError:
            continue
        if raw:
            break
    if not raw:
        raw = _platform_id()
    if not raw:
        raw = "host:" + socket.gethostname()
    return hashlib.blake2b(raw.encode(), digest_size=16, person=b"mastery-place").hexdigest()


def here(database: Path) -> dict[str, str]:
    """The place of the profile whose database is `database` on this machine."""
    return {"machine": machine_id(), "profile": str(database.resolve())}
