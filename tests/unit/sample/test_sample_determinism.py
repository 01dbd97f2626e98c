"""The same seed gives identical tables and byte-identical files; another seed differs."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from recsvc.sample import SampleOrganisation, generate_sample, write_sample


def test_same_seed_gives_identical_tables_and_ground_truth(
    small_sample: SampleOrganisation,
) -> None:
    n = len(small_sample.tables["employees"])
    assert small_sample.seed is not None
    again = generate_sample(n, seed=small_sample.seed)
    for name, frame in small_sample.tables.items():
        pd.testing.assert_frame_equal(frame, again.tables[name], check_exact=True)
    for name, frame in small_sample.ground_truth.items():
        pd.testing.assert_frame_equal(frame, again.ground_truth[name], check_exact=True)


def test_another_seed_gives_other_people_and_activity(small_sample: SampleOrganisation) -> None:
    n = len(small_sample.tables["employees"])
    assert small_sample.seed is not None
    other = generate_sample(n, seed=small_sample.seed + 1)
    for name in ("employees", "content", "enrolments", "assessments"):
        assert not small_sample.tables[name].equals(other.tables[name]), name
    # the job architecture is the same for every seed, so samples stay comparable
    for name in ("roles", "skills", "role_skills", "career_paths"):
        pd.testing.assert_frame_equal(small_sample.tables[name], other.tables[name])


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_same_seed_writes_byte_identical_files(tmp_path: Path, fmt: str) -> None:
    first = generate_sample(150, seed=4, n_content=80)
    second = generate_sample(150, seed=4, n_content=80)
    write_sample(first, tmp_path / "a", fmt)  # type: ignore[arg-type]
    write_sample(second, tmp_path / "b", fmt)  # type: ignore[arg-type]
    files = sorted(
        p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*") if p.is_file()
    )
    assert len(files) == 12 + 5  # tables + ground truth files + README
    for rel in files:
        assert (tmp_path / "a" / rel).read_bytes() == (tmp_path / "b" / rel).read_bytes(), rel
