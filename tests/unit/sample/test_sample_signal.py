"""The sample carries the signal models should find, measured against its ground truth."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from recsvc.sample import SampleOrganisation


def primary_skills(org: SampleOrganisation) -> pd.DataFrame:
    cs = org.tables["content_skills"]
    return cs[cs["weight"] == 1.0][["content_id", "skill_id", "level"]]


def gap_pairs(org: SampleOrganisation) -> pd.MultiIndex:
    """(employee, skill) where the role or target role needs more than the true start level."""
    emp, rs = org.tables["employees"], org.tables["role_skills"]
    needs = pd.concat(
        [
            emp[["employee_id", "role_id"]].set_axis(["employee_id", "r"], axis=1),
            emp[["employee_id", "target_role_id"]].set_axis(["employee_id", "r"], axis=1),
        ]
    ).dropna()
    needs = needs.merge(rs, left_on="r", right_on="role_id")
    needs = needs.groupby(["employee_id", "skill_id"])["required_level"].max().reset_index()
    truth = org.ground_truth["true_skill_levels"].astype({"employee_id": str, "skill_id": str})
    needs = needs.astype({"employee_id": str, "skill_id": str}).merge(truth)
    gaps = needs[needs["required_level"] > needs["level_at_start"] + 0.25]
    return pd.MultiIndex.from_frame(gaps[["employee_id", "skill_id"]])


def test_employees_enrol_in_their_skill_gaps_far_more_than_chance(
    signal_sample: SampleOrganisation,
) -> None:
    org = signal_sample
    gaps = gap_pairs(org)
    enrol = org.tables["enrolments"][["employee_id", "content_id"]].merge(primary_skills(org))
    taken = pd.MultiIndex.from_frame(enrol[["employee_id", "skill_id"]].astype(str))
    observed = taken.isin(gaps).mean()
    # chance: the catalogue share of items on each enrolling employee's gap skills
    share = primary_skills(org)["skill_id"].value_counts(normalize=True)
    per_employee = (
        pd.Series(
            share.reindex(gaps.get_level_values(1)).to_numpy(), index=gaps.get_level_values(0)
        )
        .groupby(level=0)
        .sum()
    )
    chance = per_employee.reindex(enrol["employee_id"].astype(str)).fillna(0.0).mean()
    assert observed > 1.3 * chance


def test_chosen_items_are_about_one_level_above_the_learner(
    signal_sample: SampleOrganisation,
) -> None:
    org = signal_sample
    enrol = org.tables["enrolments"].merge(primary_skills(org))
    truth = org.ground_truth["true_skill_levels"].astype({"employee_id": str, "skill_id": str})
    first = enrol.sort_values("enrolled_at").drop_duplicates(["employee_id", "skill_id"])
    first = first.rename(columns={"level": "taught"}).astype({"employee_id": str, "skill_id": str})
    first = first.merge(truth, on=["employee_id", "skill_id"])
    step = first["taught"].astype(float) - first["level_at_start"]
    assert 0.3 < step.median() < 1.7


def test_effective_content_raises_post_assessments_more_than_ineffective(
    signal_sample: SampleOrganisation,
) -> None:
    org = signal_sample
    a = org.tables["assessments"]
    course = a[a["content_id"].notna()].sort_values("assessed_at")
    pairs = course.groupby(["employee_id", "content_id", "skill_id"])["level"].agg(
        ["first", "last", "size"]
    )
    pairs = pairs[pairs["size"] == 2].reset_index()
    pairs["delta"] = pairs["last"] - pairs["first"]
    eff = org.ground_truth["content_effectiveness"]
    pairs = pairs.astype({"content_id": str, "skill_id": str}).merge(
        eff.astype({"content_id": str, "skill_id": str})
    )
    assert len(pairs) > 500
    by_kind = pairs.groupby("ineffective")["delta"].mean()
    assert by_kind[False] > by_kind[True] + 0.15
    assert abs(by_kind[True]) < 0.1
    assert np.corrcoef(pairs["delta"], pairs["true_gain"])[0, 1] > 0.3


def test_completions_raise_true_skill_levels(signal_sample: SampleOrganisation) -> None:
    org = signal_sample
    done = org.tables["enrolments"].query("status == 'completed'").merge(primary_skills(org))
    learned = pd.MultiIndex.from_frame(done[["employee_id", "skill_id"]].astype(str))
    truth = org.ground_truth["true_skill_levels"].astype({"employee_id": str, "skill_id": str})
    idx = pd.MultiIndex.from_frame(truth[["employee_id", "skill_id"]])
    rise = truth["level"] - truth["level_at_start"]
    assert rise[idx.isin(learned)].mean() > 0.3
    assert (rise >= -1e-9).all()
    assert rise[~idx.isin(learned)].mean() < rise[idx.isin(learned)].mean() / 3


def test_self_assessments_over_rate_and_managers_under_rate(
    signal_sample: SampleOrganisation,
) -> None:
    a = signal_sample.tables["assessments"]
    baseline = a[a["content_id"].isna()].groupby("source")["level"].mean()
    assert baseline["self"] - baseline["test"] > 0.3
    assert baseline["manager"] < baseline["self"]


def test_popularity_follows_a_power_law(signal_sample: SampleOrganisation) -> None:
    counts = signal_sample.tables["enrolments"]["content_id"].value_counts()
    top_tenth = counts.iloc[: len(signal_sample.tables["content"]) // 10].sum()
    assert top_tenth / counts.sum() > 0.3
    assert counts.iloc[0] > 10 * counts.median()


def test_outcomes_follow_quality(signal_sample: SampleOrganisation) -> None:
    org = signal_sample
    e = org.tables["enrolments"].merge(
        org.ground_truth["content_effectiveness"].drop_duplicates("content_id"), on="content_id"
    )
    good = e["quality"] > 0.5
    bad = e["quality"] < -0.5
    finished = e["status"].isin(["completed", "dropped"])
    drop_rate = (e["status"] == "dropped")[finished]
    assert drop_rate[bad].mean() > drop_rate[good].mean() + 0.05
    rated = e["rating"].notna()
    assert 0.15 < rated.mean() < 0.6
    assert e.loc[rated & good, "rating"].mean() > e.loc[rated & bad, "rating"].mean() + 0.5


def test_enrolment_volume_status_mix_and_repeats_are_realistic(
    signal_sample: SampleOrganisation,
) -> None:
    org = signal_sample
    e = org.tables["enrolments"]
    per_employee = len(e) / len(org.tables["employees"])
    assert 12 < per_employee < 25
    mix = e["status"].value_counts(normalize=True)
    assert mix["completed"] > 0.5
    assert 0.1 < mix["dropped"] < 0.35
    assert mix["in_progress"] > 0.002 and mix["enrolled"] > 0.01
    assert e.duplicated(["employee_id", "content_id"]).mean() < 0.02


def test_usage_grows_and_strategic_skills_trend_up(signal_sample: SampleOrganisation) -> None:
    org = signal_sample
    e = org.tables["enrolments"].merge(primary_skills(org))
    strategic = org.tables["skills"].query("strategic_weight >= 0.8")["skill_id"]
    first_year = e["enrolled_at"] < e["enrolled_at"].min() + pd.Timedelta(days=365)
    share = e["skill_id"].isin(strategic).groupby(first_year).mean()
    assert share[False] > share[True]
    assert (~first_year).sum() > first_year.sum()


@pytest.mark.parametrize("audit", ["audit_gender", "audit_age_band"])
def test_audit_attributes_do_not_drive_enrolment_volume(
    signal_sample: SampleOrganisation, audit: str
) -> None:
    emp = signal_sample.tables["employees"]
    counts = signal_sample.tables["enrolments"]["employee_id"].value_counts()
    volume = counts.reindex(emp["employee_id"]).fillna(0).to_numpy()
    by_group = pd.Series(volume).groupby(emp[audit].to_numpy()).mean()
    sizes = emp[audit].value_counts()
    big = sizes[sizes >= 200].index
    assert len(big) >= 2
    assert by_group[big].max() / by_group[big].min() < 1.35


def test_learning_moves_people_to_harder_items_over_time(signal_sample: SampleOrganisation) -> None:
    """Completions raise true levels, so later picks on a skill are harder: order matters."""
    org = signal_sample
    e = org.tables["enrolments"].merge(primary_skills(org)).sort_values("enrolled_at")
    e = e[e["status"] == "completed"]
    runs = e.groupby(["employee_id", "skill_id"])["level"].agg(["first", "last", "size"])
    runs = runs[runs["size"] >= 2]
    assert len(runs) > 300
    up = (runs["last"] > runs["first"]).sum()
    down = (runs["last"] < runs["first"]).sum()
    assert up > 1.5 * down


def test_people_learn_in_their_language_or_english(signal_sample: SampleOrganisation) -> None:
    org = signal_sample
    emp = org.tables["employees"][["employee_id", "language", "location"]]
    e = org.tables["enrolments"].merge(emp, on="employee_id")
    e = e.merge(org.tables["content"][["content_id", "language"]], on="content_id")
    own_or_english = (e["language_y"] == e["language_x"]) | (e["language_y"] == "en")
    assert own_or_english.mean() > 0.95
    german_sites = emp["location"].isin(["Berlin", "Munich"])
    assert (emp.loc[german_sites, "language"] == "de").mean() > 0.75


def test_difficulty_follows_the_level_taught(signal_sample: SampleOrganisation) -> None:
    org = signal_sample
    items = org.tables["content"].merge(primary_skills(org), on="content_id")
    corr = np.corrcoef(items["difficulty"].astype(float), items["level"].astype(float))[0, 1]
    assert corr > 0.7


def test_skipping_a_prerequisite_makes_dropping_out_likelier(
    signal_sample: SampleOrganisation,
) -> None:
    org = signal_sample
    e = org.tables["enrolments"]
    pre = org.tables["prerequisites"]
    done = e[e["status"] == "completed"][["employee_id", "content_id", "completed_at"]]
    takes = e.merge(pre, on="content_id")
    takes = takes.merge(
        done.rename(columns={"content_id": "requires_content_id", "completed_at": "prep_done"}),
        on=["employee_id", "requires_content_id"],
        how="left",
    )
    prepared = takes["prep_done"].notna() & (takes["prep_done"] < takes["enrolled_at"])
    finished = takes["status"].isin(["completed", "dropped"])
    dropped = takes["status"] == "dropped"
    assert prepared.sum() > 30
    assert dropped[finished & ~prepared].mean() > dropped[finished & prepared].mean() + 0.05
