"""Prompts are data: `prompts.toml` bundled with Mastery, plus a team's own `prompts.toml` in the
profile folder (same format; a prompt with the same key replaces the bundled one).

Both files are checked by `PromptsFile` (pydantic), so a bad file names the prompt and the field
in one line instead of failing later.
"""

from __future__ import annotations

import builtins
import re
from importlib import resources
from pathlib import Path
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError
from pydantic_core import PydanticCustomError

from mastery.errors import InputError
from mastery.journal.fields import JournalFormatError
from mastery.journal.views import Prompt
from mastery.limits import MAX_CONFIG_BYTES, loads_toml, read_text_bounded

PROMPTS_FILE = "prompts.toml"
PROMPT_KEY = re.compile(r"[a-z0-9][a-z0-9-]*")


class PromptBook:
    """The prompts of one profile, read again only when the profile's file changes (its
    modification time or size), so listing entries does not parse TOML every time."""

    def __init__(self) -> None:
        self._cache: tuple[Any, dict[str, Prompt]] | None = None

    def load(self, path: Path) -> dict[str, Prompt]:
        """Key -> prompt: the bundled ones, then those of `path` (replacing by key, or added)."""
        try:
            info = path.stat()
            stamp: Any = (info.st_mtime_ns, info.st_size)
        except OSError:
            stamp = None
        if self._cache is None or self._cache[0] != stamp:
            bundled = resources.files("mastery").joinpath(PROMPTS_FILE).read_text("utf-8")
            prompts = read_prompts(bundled, "bundled", PROMPTS_FILE)
            if stamp is not None:
                try:
                    text = read_text_bounded(path, MAX_CONFIG_BYTES)
                except InputError as exc:
                    raise JournalFormatError(path, None, exc.reason) from None
                prompts.update(read_prompts(text, str(path), str(path)))
            self._cache = (stamp, prompts)
        return self._cache[1]


def _required(value: str) -> str:
    if not value.strip():
        raise PydanticCustomError("missing", "is required")
    return value


class PromptModel(BaseModel):
    """One ``[[prompt]]`` table of a prompts file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    key: Annotated[str, Field(pattern=f"^{PROMPT_KEY.pattern}$", max_length=64)]
    name: Annotated[str, AfterValidator(_required), Field(max_length=200)]
    description: Annotated[str, Field(max_length=1000)] = ""
    template: Annotated[str, AfterValidator(_required), Field(max_length=100_000)]


class PromptsFile(BaseModel):
    """A prompts file: the bundled one, or a team's `prompts.toml` in the profile folder."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    prompt: Annotated[builtins.list[PromptModel], Field(max_length=500)] = []


_PROMPT_REASONS = {
    "missing": "{field} is required",
    "string_type": "{field} must be text",
    "string_too_long": "{field} is too long (at most {max_length} characters)",
    "string_pattern_mismatch": "{field} must be lowercase letters, digits and '-'",
    "extra_forbidden": "unknown field {field!r}",
    "model_type": "is not a table",
    "too_long": "too many prompts (at most {max_length})",
    "list_type": "prompts are [[prompt]] tables",
}


def _prompts_error(path: str, data: Any, error: Any) -> JournalFormatError:
    """One line naming the file, the prompt and the field of the first problem."""
    loc = error["loc"]
    template = _PROMPT_REASONS.get(error["type"], "{field}: " + str(error["msg"]).lower())
    if loc[:1] != ("prompt",):
        return JournalFormatError(path, None, f"unknown table {str(loc[0])!r} (use [[prompt]])")
    if len(loc) < 2:
        return JournalFormatError(
            path, None, template.format(field="prompt", **error.get("ctx", {}))
        )
    n = int(loc[1])
    item = data["prompt"][n]
    key = item.get("key") if isinstance(item, dict) else None
    where = (
        f"prompt {key!r}"
        if isinstance(key, str) and PROMPT_KEY.fullmatch(key)
        else (f"prompt {n + 1}")
    )
    field = str(loc[2]) if len(loc) > 2 else ""
    reason = template.format(field=field, **error.get("ctx", {})).strip()
    return JournalFormatError(path, None, f"{where}{' ' if field == '' else ': '}{reason}")


def read_prompts(text: str, source: str, path: str) -> dict[str, Prompt]:
    """The prompts of one file, checked by `PromptsFile`; errors name the file and the field."""
    try:
        data = loads_toml(text, source=path, max_depth=8)
    except InputError as exc:
        raise JournalFormatError(path, None, exc.reason) from None
    try:
        parsed = PromptsFile.model_validate(data)
    except ValidationError as exc:
        raise _prompts_error(path, data, exc.errors()[0]) from None
    prompts: dict[str, Prompt] = {}
    for item in parsed.prompt:
        template = item.template.strip("\n") + "\n"
        prompts[item.key] = Prompt(
            item.key, item.name.strip(), item.description.strip(), template, source
        )
    return prompts
