"""Learning value on hand-made items and needs whose answers are worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.sparse as sp

from recsvc.recommend.gain_curve import default_curve
from recsvc.recommend.value import (
    EFFECT_QUANTILES,
    MIN_MEASURED_EFFECTS,
    Contribution,
    LearningValue,
    SkillNeed,
    effect_evidence,
)

SIGMA = 0.6
#: difficulty fit of content two levels above: exp(-0.5 * (1 / 0.6) ** 2)
FIT_TWO_ABOVE = math.exp(-0.5 / SIGMA**2)  # 0.2494
TINY_SD = 1e-4

Entries = dict[int, list[tuple[int, float, float]]]  # item -> [(skill, level, weight)]


def _value_model(
    entries: Entries, n_items: int, n_skills: int, gains: dict[tuple[int, int], float] | None = None
) -> LearningValue:
    rows = [i for i, skills in entries.items() for _ in skills]
    cols = [s for skills in entries.values() for s, _, _ in skills]
    levels = [lv for skills in entries.values() for _, lv, _ in skills]
    weights = [w for skills in entries.values() for _, _, w in skills]
    shape = (n_items, n_skills)
    weight = sp.csr_matrix((weights, (rows, cols)), shape=shape, dtype=np.float32)
    level = sp.csr_matrix((levels, (rows, cols)), shape=shape, dtype=np.float32)
    g = gains or {}
    gain = sp.csr_matrix(
        (list(g.values()), ([i for i, _ in g], [s for _, s in g])), shape=shape, dtype=np.float32
    )
    return LearningValue(weight, level, gain, default_curve(SIGMA))


def _need(
    current: list[float],
    required: list[float],
    *,
    sd: float = TINY_SD,
    weight: list[float] | None = None,
    proven: list[float] | None = None,
) -> SkillNeed:
    n = len(current)

    def arr(x: list[float]) -> np.ndarray:
        return np.asarray(x, dtype=np.float32)

    return SkillNeed(
        current=arr(current),
        sd=np.full(n, sd, dtype=np.float32),
        required=arr(required),
        weight=arr(weight if weight is not None else [1.0 if r > 0 else 0.0 for r in required]),
        proven=arr(proven if proven is not None else [0.0] * n),
    )


def test_one_level_above_beats_two_above_and_at_the_level() -> None:
    # items 0, 1, 2 teach skill 0 at levels 2, 3, 1 to someone sure to be at 1 who needs 4
    lv = _value_model({0: [(0, 2, 1.0)], 1: [(0, 3, 1.0)], 2: [(0, 1, 1.0)]}, 3, 1)
    v = lv.values(_need([1.0], [4.0]))
    assert v[0] == pytest.approx(1.0, rel=1e-3)  # default gain one level, gap 3
    assert v[1] == pytest.approx(FIT_TWO_ABOVE, rel=1e-3)
    assert v[2] == pytest.approx(0.0, abs=1e-6)
    assert v[0] > v[1] > v[2]


def test_value_scales_with_item_weight_and_need_weight() -> None:
    lv = _value_model({0: [(0, 2, 0.5)]}, 1, 1)
    assert lv.values(_need([1.0], [4.0], weight=[3.0]))[0] == pytest.approx(1.5, rel=1e-3)


def test_items_teaching_only_unneeded_skills_have_no_value() -> None:
    # skill 0 is needed (4), skill 1 is not (0); item 2 teaches both
    lv = _value_model(
        {0: [(0, 2, 1.0)], 1: [(1, 2, 1.0)], 2: [(0, 2, 1.0), (1, 2, 1.0)], 3: []}, 4, 2
    )
    v = lv.values(_need([1.0, 1.0], [4.0, 0.0]))
    assert v[1] == 0.0
    assert v[3] == 0.0  # no skills at all
    assert v[2] == pytest.approx(v[0], rel=1e-6)  # the unneeded skill adds nothing
    assert v[0] == pytest.approx(1.0, rel=1e-3)
    # and nothing is needed at all: every value is 0
    assert not lv.values(_need([1.0, 1.0], [0.0, 0.0])).any()


def test_gain_is_capped_by_the_gap() -> None:
    lv = _value_model({0: [(0, 4, 1.0)]}, 1, 1)
    # at 3, needs 3.5: an item one level up closes at most the half level left
    assert lv.values(_need([3.0], [3.5]))[0] == pytest.approx(0.5, rel=1e-3)
    # a measured gain of 5 levels still closes only the gap of 3
    big = _value_model({0: [(0, 2, 1.0)]}, 1, 1, gains={(0, 0): 5.0})
    assert big.values(_need([1.0], [4.0]))[0] == pytest.approx(3.0, rel=1e-3)


def test_measured_gain_replaces_the_default_gain() -> None:
    entries: Entries = {0: [(0, 2, 1.0)]}
    need = _need([1.0], [4.0])
    default = _value_model(entries, 1, 1).values(need)[0]
    low = _value_model(entries, 1, 1, gains={(0, 0): 0.5}).values(need)[0]
    high = _value_model(entries, 1, 1, gains={(0, 0): 2.0}).values(need)[0]
    assert default == pytest.approx(1.0, rel=1e-3)
    assert low == pytest.approx(0.5, rel=1e-3)
    assert high == pytest.approx(2.0, rel=1e-3)


def _with_measured_spread(n_measured: int) -> tuple[LearningValue, np.ndarray]:
    """Item 0 never measured; items 1..n measured at effects spread over 0.1-1.9."""
    effects = np.linspace(0.1, 1.9, n_measured)
    entries: Entries = {i: [(0, 2, 1.0)] for i in range(n_measured + 1)}
    gains = {(i + 1, 0): float(e) for i, e in enumerate(effects)}
    return _value_model(entries, n_measured + 1, 1, gains=gains), effects


def test_an_unmeasured_item_is_valued_over_what_measured_items_did() -> None:
    lv, effects = _with_measured_spread(MIN_MEASURED_EFFECTS)
    nodes = np.quantile(effects, EFFECT_QUANTILES)
    np.testing.assert_allclose(lv.effect_prior, nodes, rtol=1e-5)
    # gain one level above is 1 level per unit of effect: a gap of 3 never binds ...
    wide = lv.values(_need([1.0], [4.0]))
    assert wide[0] == pytest.approx(nodes.mean(), rel=1e-3)
    # ... a gap of 0.6 does: the unproven item is worth less than a proven average one
    narrow = lv.values(_need([1.0], [1.6]))
    assert narrow[0] == pytest.approx(np.minimum(nodes, 0.6).mean(), rel=1e-3)
    assert narrow[0] < min(0.6, nodes.mean()) - 0.05


def test_too_few_measurements_leave_an_unmeasured_effect_at_one() -> None:
    lv, _ = _with_measured_spread(MIN_MEASURED_EFFECTS - 1)
    np.testing.assert_array_equal(lv.effect_prior, [1.0])
    assert lv.values(_need([1.0], [4.0]))[0] == pytest.approx(1.0, rel=1e-3)


def test_effect_evidence_reports_what_the_value_model_uses() -> None:
    lv, effects = _with_measured_spread(MIN_MEASURED_EFFECTS)
    weight = sp.csr_matrix(np.ones((MIN_MEASURED_EFFECTS + 1, 1), np.float32))
    measured = sp.csr_matrix(
        (effects, (np.arange(1, MIN_MEASURED_EFFECTS + 1), np.zeros(MIN_MEASURED_EFFECTS))),
        shape=weight.shape,
    )
    found = effect_evidence(measured, weight)
    assert found["measured_pairs"] == MIN_MEASURED_EFFECTS
    assert found["taught_pairs"] == MIN_MEASURED_EFFECTS + 1
    np.testing.assert_allclose(found["unmeasured_effects"], lv.effect_prior, atol=1e-3)


def test_a_skill_proven_at_or_above_its_requirement_has_no_value() -> None:
    lv = _value_model({0: [(0, 2, 1.0)], 1: [(0, 2, 1.0), (1, 2, 1.0)]}, 2, 2)
    met = lv.values(_need([1.0, 1.0], [4.0, 4.0], proven=[4.0, 0.0]))
    assert met[0] == 0.0
    assert met[1] == pytest.approx(1.0, rel=1e-3)  # only skill 1's part is left
    assert lv.values(_need([1.0, 1.0], [4.0, 4.0], proven=[5.0, 0.0]))[0] == 0.0
    # proven below the requirement: the gap stays open
    below = lv.values(_need([1.0, 1.0], [4.0, 4.0], proven=[3.0, 0.0]))
    assert below[0] == pytest.approx(1.0, rel=1e-3)


def test_tested_out_needs_every_skill_proven_at_or_above_the_taught_level() -> None:
    lv = _value_model(
        {
            0: [(0, 2, 1.0)],  # below the proven 3
            1: [(0, 3, 1.0)],  # at the proven level
            2: [(0, 4, 1.0)],  # above it
            3: [(0, 2, 1.0), (1, 2, 1.0)],  # skill 1 unproven
            4: [],  # no skills
        },
        5,
        2,
    )
    need = _need([1.0, 1.0], [4.0, 4.0], proven=[3.0, 0.0])
    assert lv.tested_out(need).tolist() == [True, True, False, False, False]
    assert not lv.tested_out(_need([1.0, 1.0], [4.0, 4.0])).any()  # nothing proven
    both = _need([1.0, 1.0], [4.0, 4.0], proven=[3.0, 2.0])
    assert lv.tested_out(both).tolist() == [True, True, False, True, False]


def test_contributions_name_only_skills_taught_above_the_estimate_largest_first() -> None:
    # skill 0 two above, skill 1 one above, skill 2 at the estimate, skill 3 below it
    lv = _value_model({0: [(0, 3, 1.0), (1, 2, 1.0), (2, 2, 1.0), (3, 1, 1.0)], 1: []}, 2, 4)
    need = _need([1.0, 1.0, 2.0, 2.0], [4.0] * 4)
    got = lv.contributions(need, np.array([0]))[0]
    assert [(c.skill, c.taught_level) for c in got] == [(1, 2), (0, 3)]
    assert got[0].value == pytest.approx(1.0, rel=1e-3)
    assert got[1].value == pytest.approx(FIT_TWO_ABOVE, rel=1e-3)
    assert isinstance(got[0], Contribution)
    assert lv.contributions(need, np.array([1, 0]))[0] == []
    # however unsure the estimate, content at or below it is never named as a reason
    unsure = _need([1.0, 1.0, 2.0, 2.0], [4.0] * 4, sd=1.0)
    assert {c.skill for c in lv.contributions(unsure, np.array([0]))[0]} <= {0, 1}


def test_uncertainty_counts_a_gap_that_is_likely_but_not_certain() -> None:
    # the estimate meets the requirement (3 of 3); the true level may be lower
    lv = _value_model({0: [(0, 4, 1.0)]}, 1, 1)
    assert lv.values(_need([3.0], [3.0]))[0] < 1e-3
    assert lv.values(_need([3.0], [3.0], sd=1.0))[0] > 0.01


def test_uncertainty_widens_the_gap_but_content_at_the_estimate_stays_worthless() -> None:
    # value = w * n * E_X[min(max(0, R - X), gain * fit(L - c))], X ~ N(c, sd^2): the fit
    # is taken at the estimate, so an item at c = 2 is worth nothing however unsure c is
    at_level = _value_model({0: [(0, 2, 1.0)]}, 1, 1)
    assert at_level.values(_need([2.0], [4.0]))[0] == pytest.approx(0.0, abs=1e-6)
    assert at_level.values(_need([2.0], [4.0], sd=1.0))[0] == pytest.approx(0.0, abs=1e-6)
    # an estimate at the requirement has no gap when sure, and an expected one when not:
    # at c = R = 3, sd = 1, the nodes X = 0.143, 1.644, 3, 4.356, 5 (clipped) with
    # probabilities 0.0113, 0.2221, 0.5333, 0.2221, 0.0113 give gaps 2.857, 1.356, 0, 0, 0,
    # each capped by the gain at one level up (fit 1): 0.0113 * 1 + 0.2221 * 1 = 0.2334
    one_up = _value_model({0: [(0, 4, 1.0)]}, 1, 1)
    assert one_up.values(_need([3.0], [3.0]))[0] == pytest.approx(0.0, abs=1e-4)
    assert one_up.values(_need([3.0], [3.0], sd=1.0))[0] == pytest.approx(0.2334, abs=2e-3)
