"""mastery.limits: hostile or broken input ends in one InputError line, never a traceback."""

from __future__ import annotations

import json
import os
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mastery import limits
from mastery.errors import InputError, MasteryError
from mastery.files import read_fd_at_most


def refused(call, *args, **kwargs) -> str:
    """The one-line message of the InputError that `call` raises."""
    with pytest.raises(InputError) as err:
        call(*args, **kwargs)
    message = str(err.value)
    assert "\n" not in message and len(message) < 300
    assert isinstance(err.value, MasteryError)
    return message


def test_input_error_names_source_field_and_reason() -> None:
    err = InputError("bundle.json", "entries[3].date", "year 0 is not a date")
    assert str(err) == "bundle.json: entries[3].date: year 0 is not a date"
    assert (err.source, err.field, err.reason) == ("bundle.json", "entries[3].date", err.reason)
    assert str(InputError(Path("a.toml"), None, "too large")) == "a.toml: too large"


# ----------------------------------------------------------------------------- files
def test_read_bounded_refuses_a_large_file_before_reading_it(tmp_path: Path) -> None:
    big = tmp_path / "big.json"
    with big.open("wb") as handle:  # sparse: 100 MiB on paper, nothing on disk
        handle.truncate(100 * limits.MiB)
    message = refused(limits.read_bounded, big, limits.MAX_BUNDLE_BYTES)
    assert message.startswith(f"{big}: file is too large (100 MiB; at most 64 MiB)")
    small = tmp_path / "small.json"
    small.write_bytes(b"x" * 10)
    assert limits.read_bounded(small, 10) == b"x" * 10
    assert "at most 9 bytes" in refused(limits.read_bounded, small, 9)


def test_read_bounded_stops_on_an_endless_file() -> None:
    assert "too large" in refused(limits.read_bounded, "/dev/zero", 1024)


def test_a_file_read_by_its_size_is_read_whole_even_if_it_grew_or_shrank(tmp_path: Path) -> None:
    """A team folder's file is read by its `fstat` size: one that grew or shrank since (a
    member's sync writing it) still comes whole, and never more than the limit and a byte."""
    path = tmp_path / "c.json"
    path.write_bytes(b"x" * 3_000_000)
    fd = os.open(path, os.O_RDONLY)
    try:
        for hint in (0, 10, 2_999_999, 3_000_000, 5_000_000):
            os.lseek(fd, 0, os.SEEK_SET)
            assert read_fd_at_most(fd, 4_000_000, hint) == b"x" * 3_000_000
        for hint in (0, 10, 3_000_000):
            os.lseek(fd, 0, os.SEEK_SET)
            assert len(read_fd_at_most(fd, 1_500_000, hint)) == 1_500_001
    finally:
        os.close(fd)


def test_read_errors_are_input_errors(tmp_path: Path) -> None:
    assert "cannot read" in refused(limits.read_bounded, tmp_path / "missing.json", 10)
    bad = tmp_path / "latin1.md"
    bad.write_bytes("café".encode("latin-1"))
    assert "not UTF-8" in refused(limits.read_text_bounded, bad, 100)
    bom = tmp_path / "bom.md"
    bom.write_bytes(b"\xef\xbb\xbfhello")
    assert limits.read_text_bounded(bom, 100) == "hello"


# ----------------------------------------------------------------------------- JSON and TOML
def test_json_nested_100k_levels_is_one_line() -> None:
    assert "nested more than 64 levels" in refused(
        limits.loads_json, "[" * 100_000 + "]" * 100_000, source="bundle.json"
    )
    assert "nested more than 64 levels" in refused(
        limits.loads_json, '{"a":' * 100_000, source="bundle.json"
    )


def test_json_depth_limit_is_exact() -> None:
    assert limits.loads_json("[" * 64 + "]" * 64, source="x") is not None
    assert "nested more than 64" in refused(limits.loads_json, "[" * 65 + "]" * 65, source="x")
    assert limits.loads_json("[[1]]", source="x", max_depth=2) == [[1]]
    assert "more than 1 levels" in refused(limits.loads_json, "[[1]]", source="x", max_depth=1)


def test_json_integers_are_bounded_without_converting_thousands_of_digits() -> None:
    message = refused(limits.loads_json, "1" * 5000, source="x.json")
    assert message.startswith("x.json: number") and "too large" in message
    assert "too large" in refused(limits.loads_json, f'{{"n": -{"9" * 5000}}}', source="x")
    assert limits.loads_json(str(limits.INT_MAX), source="x") == limits.INT_MAX
    assert limits.loads_json(str(limits.INT_MIN), source="x") == limits.INT_MIN
    assert "must be from" in refused(limits.loads_json, str(limits.INT_MAX + 1), source="x")


@pytest.mark.parametrize(
    "text",
    [
        # Numbers next to strings whose contents look like numbers (hex ids) are still checked,
        # and a string with an escaped quote cannot hide a number behind a misplaced boundary.
        f'{{"id": "{"0" * 64}", "n": {limits.INT_MAX + 1}}}',
        '{"id": "9e1234abc", "x": 1e999}',
        f'{{"a": "say \\"hi", "b": "{"1" * 30}", "n": {"9" * 30}}}',
        f'["\\"", {"9" * 30}, "\\""]',
    ],
)
def test_json_numbers_beside_number_like_strings_are_still_checked(text: str) -> None:
    refused(limits.loads_json, text, source="x")


def test_number_like_strings_are_just_strings() -> None:
    text = f'{{"id": "{"0" * 64}", "hex": "9e1234", "n": 3, "f": 2.5}}'
    assert limits.loads_json(text, source="x") == {
        "id": "0" * 64,
        "hex": "9e1234",
        "n": 3,
        "f": 2.5,
    }


def test_brackets_in_strings_do_not_hide_depth() -> None:
    deep = '{"s": "' + "[" * 10 + '", "v": ' + "[" * 65 + "]" * 65 + "}"
    assert "nested more than 64" in refused(limits.loads_json, deep, source="x")
    assert limits.loads_json('{"s": "' + "[" * 200 + '"}', source="x") == {"s": "[" * 200}


@pytest.mark.parametrize("text", ["NaN", "[Infinity]", '{"a": -Infinity}', "1e999", "[-1e400]"])
def test_json_numbers_are_finite(text: str) -> None:
    refused(limits.loads_json, text, source="x")


def test_json_syntax_errors_say_where() -> None:
    assert "line 2, column" in refused(limits.loads_json, '{\n"a": }', source="x.json")
    assert "not UTF-8" in refused(limits.loads_json, b"\xff\xfe\x00", source="x.json")
    assert limits.loads_json(b'{"a": [1, 2.5, null, "b"]}', source="x") == {
        "a": [1, 2.5, None, "b"]
    }


def test_toml_limits() -> None:
    assert "nested" in refused(limits.loads_toml, "a = " + "[" * 100_000, source="p.toml")
    assert "nested" in refused(limits.loads_toml, "a = " + "[" * 70 + "]" * 70, source="p.toml")
    assert "too large" in refused(limits.loads_toml, "a = " + "1" * 5000, source="p.toml")
    assert "must be from" in refused(limits.loads_toml, "a = 9223372036854775808", source="p")
    assert "not finite" in refused(limits.loads_toml, "a = nan", source="p.toml")
    assert "not finite" in refused(limits.loads_toml, "a = [1e999]", source="p.toml")
    assert "not valid TOML" in refused(limits.loads_toml, "[[a]\n", source="p.toml")
    assert limits.loads_toml('a = 1\nb = [true, "x"]', source="p") == {"a": 1, "b": [True, "x"]}


# ----------------------------------------------------------------------------- values
def test_check_int() -> None:
    assert limits.check_int(" 42 ", source="cli", field="n", lo=0, hi=100) == 42
    assert limits.check_int(-3, source="cli") == -3
    assert refused(limits.check_int, "1" * 5000, source="cli", field="n").startswith("cli: n: ")
    assert "whole number" in refused(limits.check_int, True, source="cli", field="n")
    assert "whole number" in refused(limits.check_int, 1.0, source="cli", field="n")
    assert "whole number" in refused(limits.check_int, "1e3", source="cli", field="n")
    assert "from 0 to 100, got 101" in refused(limits.check_int, 101, source="c", lo=0, hi=100)


def test_check_float() -> None:
    assert limits.check_float("0.5", source="s", field="f", lo=0, hi=1) == 0.5
    for bad in ("nan", "inf", float("-inf"), "1e999"):
        assert "finite" in refused(limits.check_float, bad, source="s", field="f")
    assert "a number" in refused(limits.check_float, "x", source="s", field="f")
    assert "a number" in refused(limits.check_float, True, source="s", field="f")
    assert "from 0 to 1" in refused(limits.check_float, 2, source="s", lo=0, hi=1)
    assert "at least 0" in refused(limits.check_float, -1, source="s", lo=0)


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("0000-01-01", "not a valid date"),
        ("2026-02-30", "not a valid date"),
        ("99999-01-01", "YYYY-MM-DD"),
        ("20260101", "YYYY-MM-DD"),
        ("1969-12-31", "from 1970-01-01 to 9998-12-31"),
        ("9999-12-31", "from 1970-01-01 to 9998-12-31"),
        (datetime(2026, 1, 1, tzinfo=UTC), "expected a date"),
        (20260101, "expected a date"),
    ],
)
def test_check_date_refuses(value: object, says: str) -> None:
    message = refused(limits.check_date, value, source="entry.md", field="date")
    assert message.startswith("entry.md: date: ") and says in message


def test_check_date_accepts() -> None:
    assert limits.check_date("2026-12-07", source="x") == date(2026, 12, 7)
    assert limits.check_date(limits.MIN_DATE, source="x") == limits.MIN_DATE
    assert limits.check_date(limits.MAX_DATE, source="x") == limits.MAX_DATE


def test_check_datetime() -> None:
    plus_one = timezone(timedelta(hours=1))
    assert limits.check_datetime("2026-12-07T10:00:00+01:00", source="x") == datetime(
        2026, 12, 7, 9, 0, tzinfo=UTC
    )
    assert limits.check_datetime(datetime(2026, 1, 1, tzinfo=plus_one), source="x").tzinfo is UTC
    assert "no time zone" in refused(limits.check_datetime, "2026-12-07T10:00:00", source="x")
    assert "out of range" in refused(limits.check_datetime, "0001-01-01T00:00:00+05:00", source="x")
    assert "from 1970" in refused(limits.check_datetime, "0001-01-01T00:00:00Z", source="x")
    assert "ISO 8601" in refused(limits.check_datetime, "yesterday", source="x", field="t")
    assert "ISO 8601" in refused(limits.check_datetime, "1" * 5000, source="x", field="t")


# ----------------------------------------------------------------------------- fast path = slow path
def test_a_digit_limit_below_18_holds_without_a_long_digit_run() -> None:
    """`max_int_digits=5` took "123456" (and any integer of up to 18 digits): the fast path
    skipped the number hooks because no digit run reached 19."""
    assert "too large" in refused(limits.loads_json, "[123456]", source="x", max_int_digits=5)
    assert limits.loads_json("[12345]", source="x", max_int_digits=5) == [12345]


def _slow_loads(text: str, max_depth: int, max_int_digits: int | None) -> object:
    """`loads_json` with the number hooks and the depth walk always on: the reference."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(limits, "_risky_numbers", lambda _text: True)
        patch.setattr(limits, "_may_be_deep", lambda _text, _depth: True)
        return limits.loads_json(
            text, source="x", max_depth=max_depth, max_int_digits=max_int_digits
        )


def _verdict(call: Any, *args: Any) -> tuple[str, str]:
    try:
        return "ok", json.dumps(call(*args), sort_keys=True)
    except InputError:
        return "refused", ""


# Pieces that stress the fast path's guesses: quotes and escapes that could misplace a string
# boundary, unicode look-alikes, BOMs, long digit runs, exponents in every spelling, brackets.
_PIECES = [
    *['"', "\\", '\\"', "\\\\", "\\u0022", "\\u005c", "\ufeff", "\u201c", "\u00a0", " ", "\n"],
    *["[", "]", "{", "}", ":", ","],
    *["0", "1", "-", "-0", ".", "e", "E", "+", "99", "400", "999", "0400", "9" * 18, "9" * 19],
    *["NaN", "Infinity", "true", "null", "a"],
]


@settings(max_examples=3000, deadline=None)
@given(
    text=st.lists(st.sampled_from(_PIECES), max_size=40).map("".join),
    max_depth=st.sampled_from([2, 3, limits.MAX_DEPTH]),
    max_int_digits=st.sampled_from([None, 1, 5, 18, 19, 100]),
)
def test_loads_json_fast_path_agrees_with_the_hooks_always_on(
    text: str, max_depth: int, max_int_digits: int | None
) -> None:
    """Whatever the text, skipping the hooks never accepts what they refuse (nor the other
    way round), and never raises anything but InputError."""
    fast = _verdict(
        lambda: limits.loads_json(
            text, source="x", max_depth=max_depth, max_int_digits=max_int_digits
        )
    )
    assert fast == _verdict(_slow_loads, text, max_depth, max_int_digits), text


@pytest.mark.parametrize(
    "text",
    ["1E400", "1e+400", "1E+0400", "[-1e999]", '{"k": 1e308, "v": 1e309}', "-" + "9" * 19],
)
def test_exponents_and_long_negatives_are_refused_in_every_spelling(text: str) -> None:
    refused(limits.loads_json, text, source="x")
    refused(limits.loads_json, text.encode(), source="x")


@pytest.mark.parametrize("text", ["-0e999", "1e-400", "0E+999"])
def test_exponents_that_give_zero_are_accepted(text: str) -> None:
    assert limits.loads_json(text, source="x") == 0.0


def test_a_bom_or_bad_bytes_are_one_line() -> None:
    assert "BOM" in refused(limits.loads_json, "\ufeff[1]", source="x")
    refused(limits.loads_json, "\ufeff[1]".encode(), source="x")
    refused(limits.loads_json, b"[\xff]", source="x")
