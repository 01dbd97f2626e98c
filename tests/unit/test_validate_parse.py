"""Column parsers: exact values, bad masks, and the same answer whatever else is in the chunk."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from recsvc.contract import ColumnKind, ColumnSpec
from recsvc.validate.parse import Parsed, parse_column


def parse(kind: ColumnKind, values: list[str | None], **spec: object) -> Parsed:
    """Parse, with the values as the pandas column a clean table holds."""
    parsed = parse_column(pd.Series(values, dtype=object), ColumnSpec("x", kind, **spec))  # type: ignore[arg-type]
    return replace(parsed, values=parsed.series())


def test_floats_are_exact_and_bad_values_flagged() -> None:
    p = parse(
        ColumnKind.FLOAT,
        ["0.30000000000000004", " 2 ", "", None, "abc", "nan", "inf", "1e999", "1e3"],
    )
    assert p.values.tolist()[:2] == [0.30000000000000004, 2.0]
    assert p.values.tolist()[-1] == 1000.0
    assert p.missing.tolist() == [False, False, True, True, False, False, False, False, False]
    assert p.bad.tolist() == [False, False, False, False, True, True, True, True, False]


def test_ints_accept_integral_floats_only() -> None:
    p = parse(ColumnKind.INT, ["3", "3.0", "3.5", "x", "", "-2"])
    assert p.values.tolist() == [3, 3, pd.NA, pd.NA, pd.NA, -2]
    assert p.bad.tolist() == [False, False, True, True, False, False]
    assert str(p.values.dtype) == "Int64"


def test_booleans() -> None:
    p = parse(ColumnKind.BOOL, ["TRUE", "no", "1", "0", "Yes", "maybe", None])
    assert p.values.tolist() == [True, False, True, False, True, pd.NA, pd.NA]
    assert p.bad.tolist() == [False] * 5 + [True, False]


def test_enums_are_lower_cased_and_checked() -> None:
    p = parse(
        ColumnKind.ENUM, ["Completed", " dropped ", "done", ""], allowed=("completed", "dropped")
    )
    assert p.values.tolist() == ["completed", "dropped", pd.NA, pd.NA]
    assert p.bad.tolist() == [False, False, True, False]


def test_ids_are_stripped_text_is_not() -> None:
    assert parse(ColumnKind.ID, [" E1 ", "  "]).values.tolist() == ["E1", pd.NA]
    text = parse(ColumnKind.TEXT, [" a ", "  "])
    assert text.values.tolist() == [" a ", "  "] and text.missing.tolist() == [False, True]


def test_timestamp_forms() -> None:
    p = parse(
        ColumnKind.TIMESTAMP,
        [
            "2024-01-02",
            "2024-01-02T03:04:05Z",
            "2024-01-02 03:04:05+02:00",
            "2024-01-02T03:04:05.123456789",
            "2024-01-02T03:04:05-0130",
            "2024-02-30",
            "01/02/2024",
            "9999-01-01",
            "",
        ],
    )
    utc = [
        pd.Timestamp(v, tz="UTC")
        for v in ("2024-01-02", "2024-01-02T03:04:05", "2024-01-02T01:04:05")
    ]
    assert p.values.tolist()[:3] == utc
    assert p.values.tolist()[3] == pd.Timestamp("2024-01-02T03:04:05.123456789", tz="UTC")
    assert p.values.tolist()[4] == pd.Timestamp("2024-01-02T04:34:05", tz="UTC")
    assert p.bad.tolist() == [False] * 5 + [True, True, True, False]
    assert str(p.values.dtype) == "datetime64[ns, UTC]"


def test_naive_after_aware_is_still_utc() -> None:
    # pandas alone would apply the +02:00 of the first value to the naive second one
    p = parse(ColumnKind.TIMESTAMP, ["2024-01-02T03:04:05+02:00", "2024-01-02 03:04:05"])
    assert p.values.tolist() == [
        pd.Timestamp("2024-01-02T01:04:05", tz="UTC"),
        pd.Timestamp("2024-01-02T03:04:05", tz="UTC"),
    ]


stamps = st.datetimes(min_value=dt.datetime(1700, 1, 1), max_value=dt.datetime(2200, 1, 1))
offsets = st.sampled_from(["", "Z", "+00:00", "+05:30", "-08:00", "+0100"])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(stamps, offsets, st.sampled_from(["T", " "]), st.booleans()), min_size=1))
def test_timestamps_match_python_and_do_not_depend_on_neighbours(
    rows: list[tuple[dt.datetime, str, str, bool]],
) -> None:
    texts = []
    expected = []
    for stamp, offset, sep, date_only in rows:
        if date_only:
            texts.append(stamp.date().isoformat())
            expected.append(pd.Timestamp(stamp.date().isoformat(), tz="UTC"))
            continue
        texts.append(stamp.isoformat(sep=sep) + offset)
        aware = dt.datetime.fromisoformat((stamp.isoformat() + offset).replace("Z", "+00:00"))
        if aware.tzinfo is None:
            aware = aware.replace(tzinfo=dt.UTC)
        expected.append(pd.Timestamp(aware).tz_convert("UTC"))
    whole = parse(ColumnKind.TIMESTAMP, [*texts])
    assert whole.values.tolist() == expected
    # one bad value sends the batch down the slower pandas path: same answers for the rest
    spoiled = parse(ColumnKind.TIMESTAMP, [*texts, "not a date"])
    assert spoiled.values.tolist()[:-1] == expected
    assert spoiled.bad.tolist() == [False] * len(texts) + [True]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.floats(allow_nan=False, allow_infinity=False), min_size=1, max_size=20))
def test_floats_round_trip_exactly(values: list[float]) -> None:
    p = parse(ColumnKind.FLOAT, [repr(v) for v in values])
    assert p.values.tolist() == values
    assert not p.bad.any()


@settings(max_examples=100, deadline=None)
@given(st.lists(st.text(max_size=8), min_size=1, max_size=20))
def test_any_text_never_raises_and_flags_consistently(values: list[str]) -> None:
    for kind in (ColumnKind.INT, ColumnKind.FLOAT, ColumnKind.BOOL, ColumnKind.TIMESTAMP):
        p = parse(kind, [*values])
        assert len(p.values) == len(values)
        assert not (p.missing & p.bad).any()
        # every non-missing, non-bad value parsed to something
        assert p.values.notna().to_numpy(dtype=bool).tolist() == (~p.missing & ~p.bad).tolist()


@pytest.mark.parametrize("kind", list(ColumnKind))
def test_empty_column(kind: ColumnKind) -> None:
    p = parse(kind, [], allowed=("a",))
    assert len(p.values) == 0 and p.missing.shape == (0,) and np.asarray(p.bad).shape == (0,)
