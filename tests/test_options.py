"""Session options as PowerShai scripts set them: one entry, or a whole new table."""

from __future__ import annotations

import pytest

from powershai_py import _errors as err
from powershai_py._options import SessionOptions, options_from_table, with_option


def test_one_entry_in_any_letter_case_and_the_rest_kept() -> None:
    start = SessionOptions(MaxCalls=7, MaxCallsPolicy="remove")
    changed = with_option(start, "maxcalls", 3)
    assert (changed.MaxCalls, changed.MaxCallsPolicy) == (3, "remove")
    assert start.MaxCalls == 7  # a copy: the session swaps it in only when every check passed


def test_a_whole_table_reads_missing_entries_as_powershai_does() -> None:
    options = options_from_table({})
    assert (options.MaxCalls, options.MaxCallsPolicy) == (10, "error")
    assert options.Protocol == "auto" and options.ReadTimeoutSec == 60.0
    options = options_from_table({"MaxCalls": 1, "maxcallspolicy": "Warning"})
    assert (options.MaxCalls, options.MaxCallsPolicy) == (1, "warning")


def test_null_restores_the_table_fallback() -> None:
    assert with_option(SessionOptions(), "MaxCalls", None).MaxCalls == 10
    assert with_option(SessionOptions(), "CallTimeoutSec", None).CallTimeoutSec is None


@pytest.mark.parametrize(("key", "value", "words"), [
    ("MaxCalls", -1, "MaxCalls must be a whole number"),
    ("MaxCallsPolicy", "sometimes", "MaxCallsPolicy must be one of"),
    ("MaxCall", 2, "'MaxCall' is not a session option"),
])
def test_wrong_entries_are_invalid_argument(key: str, value: object, words: str) -> None:
    with pytest.raises(err.InvalidArgument, match=words):
        with_option(SessionOptions(), key, value)
    with pytest.raises(err.InvalidArgument, match=words):
        options_from_table({key: value})
