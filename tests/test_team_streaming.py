"""Issue 15: a steward holds each member's vector as 64-bit values, not Python integers."""

from __future__ import annotations

from array import array

import pytest

from mastery.team.wire import MODULUS, WireProblem, decode_packed, decode_vector, encode_vector


def test_packed_vectors_hold_the_same_values_in_8_bytes_each() -> None:
    values = [0, 1, MODULUS - 1, 2**63, 12345678901234567890 % MODULUS]
    text = encode_vector(values)
    packed = decode_packed(text, len(values))
    assert isinstance(packed, array) and packed.itemsize == 8
    assert packed.tolist() == decode_vector(text, len(values)) == values
    # Summing as the steward does: Python integers from the arrays, reduced at the end.
    total = [(a + b) % MODULUS for a, b in zip(packed, decode_packed(text, 5), strict=True)]
    assert total == [(2 * v) % MODULUS for v in values]


def test_a_packed_vector_of_the_wrong_length_is_refused() -> None:
    with pytest.raises(WireProblem, match="holds 2 values, not 3"):
        decode_packed(encode_vector([1, 2]), 3)
