"""Role priors: exact shrinkage on hand-made data, and closer to the truth on a sample org."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from recsvc.dataset import build_dataset
from recsvc.features.prior import PriorParams, add_role_prior, role_prior_levels
from recsvc.features.skills import (
    SkillEvidence,
    SkillParams,
    content_skill_matrices,
    role_requirements,
    skill_evidence,
)
from recsvc.sample import generate_sample
from recsvc.training.attributes import employee_attributes

# two roles x three skills: role 0 asks skill 0 at 4 and skill 1 at 2; role 1 asks skill 2 at 3
REQUIRED = np.array([[4.0, 2.0, 0.0], [0.0, 0.0, 3.0]], dtype=np.float32)


def _evidence(entries: dict[tuple[int, int], tuple[float, float]], n_e: int) -> SkillEvidence:
    """Assessed evidence from {(employee, skill): (weight, level)}."""
    rows = [e for e, _ in entries]
    cols = [s for _, s in entries]
    w = np.array([v[0] for v in entries.values()], dtype=np.float32)
    lv = np.array([v[1] for v in entries.values()], dtype=np.float32)
    wsum = sp.csr_matrix((w, (rows, cols)), shape=(n_e, 3), dtype=np.float32)
    wlevel = sp.csr_matrix((w * lv, (rows, cols)), shape=(n_e, 3), dtype=np.float32)
    none = sp.csr_matrix((n_e, 3), dtype=np.float32)
    return SkillEvidence(wsum, wlevel, wassessed=wsum.copy(), wlearned=none, proven=none.copy())


def test_prior_moves_from_requirement_to_members_mean_as_members_grow() -> None:
    # employees 0, 1 in role 0 assessed on skill 0 at 2 and 3; employee 2 (role 1) on skill 1 at 1
    levels = sp.csr_matrix(
        (np.array([2.0, 3.0, 1.0]), ([0, 1, 2], [0, 0, 1])), shape=(4, 3), dtype=np.float32
    )
    role = np.array([0, 0, 1, -1], dtype=np.int32)
    prior, skill_mean = role_prior_levels(levels, role, REQUIRED, strength=2.0)
    assert prior[0, 0] == pytest.approx((2 * 2.5 + 2 * 4.0) / 4)  # two members, mean 2.5
    assert prior[0, 1] == pytest.approx(2.0)  # nobody in role 0 assessed: the requirement
    assert prior[1, 1] == pytest.approx((1 * 1.0 + 2 * 1.0) / 3)  # not required: skill mean
    assert prior[1, 0] == pytest.approx(2.5)  # not required, no members: everyone's mean
    assert prior[1, 2] == pytest.approx(3.0)
    np.testing.assert_allclose(skill_mean, [2.5, 1.0, 0.0])
    strong, _ = role_prior_levels(levels, role, REQUIRED, strength=0.0)
    assert strong[0, 0] == pytest.approx(2.5)  # strength 0: the members' mean alone


def test_unassessed_skill_reads_the_prior_and_evidence_outweighs_it() -> None:
    ev = _evidence({(0, 0): (1.0, 1.0)}, n_e=3)  # employee 0 (role 0): a fresh test at 1
    role = np.array([0, 0, -1], dtype=np.int32)
    target = np.array([1, -1, 1], dtype=np.int32)
    out = add_role_prior(ev, role, target, REQUIRED, PriorParams(weight=0.25, strength=1.0))
    levels = out.levels().toarray()
    prior00 = (1 * 1.0 + 1 * 4.0) / 2  # one assessed member at 1, requirement 4
    # evidence keeps most of its say: (1 * 1 + 0.25 * prior) / 1.25
    assert levels[0, 0] == pytest.approx((1.0 + 0.25 * prior00) / 1.25)
    assert levels[1, 0] == pytest.approx(prior00)  # no evidence: the prior itself
    assert levels[1, 1] == pytest.approx(2.0)
    # target role 1 asks skill 2; role 0 has no members assessed on it and no requirement,
    # and nobody has evidence on it, so there is nothing to believe: no entry at all
    assert out.wsum[0, 2] == 0
    assert out.wsum[1, 2] == 0  # employee 1 has no target role and role 0 does not ask it
    # no role: only the target role's skills, at everyone's mean (none known here: skipped)
    assert out.wsum[2].nnz == 0
    assert np.array_equal(out.wsum.indptr, out.wlevel.indptr)
    assert np.array_equal(out.wsum.indices, out.wlevel.indices)


def test_target_role_skills_get_a_prior_from_the_own_role() -> None:
    ev = _evidence({(1, 2): (1.0, 2.0)}, n_e=3)  # employee 1 (role 1) assessed on skill 2
    role = np.array([0, 1, -1], dtype=np.int32)
    target = np.array([1, -1, 1], dtype=np.int32)
    out = add_role_prior(ev, role, target, REQUIRED, PriorParams(weight=0.3, strength=5.0))
    levels = out.levels().toarray()
    # employee 0 targets role 1 (skill 2): own role 0 does not ask it, so everyone's mean
    assert levels[0, 2] == pytest.approx(2.0)
    assert levels[2, 2] == pytest.approx(2.0)  # no role at all: everyone's mean too
    assert out.wsum[0, 2] == pytest.approx(0.3)


def test_zero_weight_turns_the_prior_off_and_level_zero_evidence_survives() -> None:
    ev = _evidence({(0, 1): (1.0, 0.0)}, n_e=2)  # a test at level 0 (stored weight, level 0)
    role = np.array([0, 0], dtype=np.int32)
    none = np.array([-1, -1], dtype=np.int32)
    assert add_role_prior(ev, role, none, REQUIRED, PriorParams(weight=0.0)) is ev
    out = add_role_prior(ev, role, none, REQUIRED, PriorParams(weight=0.5, strength=1.0))
    assert out.wsum[0, 1] == pytest.approx(1.5)
    assert np.array_equal(out.wsum.indices, out.wlevel.indices)  # same pattern despite 0s
    assert out.levels()[0, 1] == pytest.approx(0.5 * ((0.0 + 2.0) / 2) / 1.5)


def test_prior_brings_estimates_closer_to_the_true_levels_of_a_sample_org() -> None:
    sample = generate_sample(300, seed=3)
    ds = build_dataset(sample.tables)
    weight, level = content_skill_matrices(ds)
    ev = skill_evidence(ds, SkillParams(), weight, level)
    required, _ = role_requirements(ds)
    role, target, _, _ = employee_attributes(ds)
    truth = sample.ground_truth["true_skill_levels"]
    e = ds.employees.indices([str(x) for x in truth["employee_id"]])
    s = ds.skills.indices([str(x) for x in truth["skill_id"]])
    ok = (e >= 0) & (s >= 0)
    e, s, true = e[ok], s[ok], truth["level"].to_numpy(dtype=np.float64)[ok]
    asked = (required[np.maximum(role[e], 0), s] > 0) & (role[e] >= 0)
    asked |= (required[np.maximum(target[e], 0), s] > 0) & (target[e] >= 0)
    e, s, true = e[asked], s[asked], true[asked]

    def error(x: SkillEvidence) -> float:
        est = np.asarray(x.levels()[e, s]).ravel()
        return float(np.abs(est - true).mean())

    had = np.asarray(ev.wsum[e, s]).ravel() > 0
    with_prior = add_role_prior(ev, role, target, required, PriorParams())
    assert (np.asarray(with_prior.wsum[e, s]).ravel() > 0).all()  # every asked skill covered
    assert error(with_prior) < 0.6 * error(ev)
    # not only the empty cells: shrinking noisy single assessments helps too
    est_had = np.asarray(with_prior.levels()[e[had], s[had]]).ravel()
    raw_had = np.asarray(ev.levels()[e[had], s[had]]).ravel()
    assert np.abs(est_had - true[had]).mean() < np.abs(raw_had - true[had]).mean()
