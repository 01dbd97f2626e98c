"""What an employee picks: a softmax over items, sampled in three cheap steps.

The utility of item i for employee e is ``g(e, skill_i, level_i) + h(group_e, i)``: ``g``
holds the skill gap (against the current and the target role, at about one level above the
current level), interests and strategic trends; ``h`` holds the item's appeal (Zipf-like
popularity), a role-family peer effect, a latent taste cluster and language match, and
depends on the employee only through a small group (family x language x cluster). So the
choice factorises exactly per (skill, level) bucket: draw a skill, then a level, then an
item inside the bucket by inverse-CDF over precomputed cumulative weights, with no loop over
employees or items.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from recsvc.sample.catalogue import LANGUAGES, Catalogue
from recsvc.sample.people import N_CLUSTERS, People
from recsvc.sample.taxonomy import Taxonomy

__all__ = ["ChoiceModel", "sample_rows"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

N_LEVELS = 5
GAP_WEIGHT = 2.2
INTEREST_WEIGHT = 1.2
STRATEGIC_WEIGHT = 0.4
TREND_WEIGHT = 0.8  # strategic skills gain popularity over the window
FAMILY_PICK_SHARE = 0.08  # share of items a role family favours (peer effect)
FAMILY_BOOST = 1.0
CLUSTER_SPREAD = 0.8
LEVEL_SPREAD = 0.9


def sample_rows(rng: np.random.Generator, logits: FloatArray) -> IntArray:
    """One categorical draw per row of ``logits`` (inverse CDF; -inf means impossible)."""
    w = np.exp(logits - logits.max(axis=1, keepdims=True))
    cdf = np.cumsum(w, axis=1)
    u = rng.random(len(w)) * cdf[:, -1]
    pick = (cdf < u[:, None]).sum(axis=1)
    return np.asarray(np.minimum(pick, logits.shape[1] - 1), dtype=np.int64)


def _language_terms() -> FloatArray:
    """[employee language, item language]: own language best, English fine, others rare."""
    n = len(LANGUAGES)
    terms = np.full((n, n), -4.0)
    terms[:, 0] = -0.4
    terms[np.arange(n), np.arange(n)] = 0.5
    terms[0, 0] = 0.0
    return terms


class ChoiceModel:
    """Precomputed pieces of the choice softmax for one organisation."""

    def __init__(
        self, rng: np.random.Generator, tax: Taxonomy, cat: Catalogue, people: People
    ) -> None:
        n_items, n_fam, n_lang = cat.n_items, len(tax.families), len(LANGUAGES)
        self.n_items = n_items
        self.n_skills = tax.n_skills
        family = tax.role_family[people.role]
        self.group = ((family * n_lang + people.language) * N_CLUSTERS + people.cluster).astype(
            np.int64
        )
        self.family_pick = rng.random((n_fam, n_items)) < FAMILY_PICK_SHARE
        self.cluster_taste = rng.normal(0.0, CLUSTER_SPREAD, (N_CLUSTERS, n_items))
        lang = _language_terms()[:, cat.language]  # (employee language, item)
        h = (
            cat.appeal
            + FAMILY_BOOST * self.family_pick[:, None, None, :]
            + lang[None, :, None, :]
            + self.cluster_taste[None, None, :, :]
        ).reshape(-1, n_items)
        bucket = cat.skill * N_LEVELS + (cat.level - 1)
        self.order = np.argsort(bucket, kind="stable")
        n_buckets = tax.n_skills * N_LEVELS
        self.starts = np.searchsorted(bucket[self.order], np.arange(n_buckets), side="left")
        self.ends = np.searchsorted(bucket[self.order], np.arange(n_buckets), side="right")
        weights = np.exp(h[:, self.order])
        self.flat = np.concatenate(([0.0], np.cumsum(weights.ravel())))
        local = np.concatenate((np.zeros((len(weights), 1)), np.cumsum(weights, axis=1)), axis=1)
        bucket_z = local[:, self.ends] - local[:, self.starts]  # (groups, buckets)
        with np.errstate(divide="ignore"):
            self.log_z = np.log(bucket_z)
            self.log_z_skill = np.log(bucket_z.reshape(len(weights), tax.n_skills, N_LEVELS).sum(2))

        target_req = np.zeros_like(people.levels)
        target_imp = np.zeros_like(people.levels)
        has = people.target >= 0
        target_req[has] = tax.required[people.target[has]]
        target_imp[has] = tax.importance[people.target[has]] * 0.8
        self.required = np.maximum(tax.required[people.role], target_req)
        self.weight = GAP_WEIGHT * np.maximum(tax.importance[people.role], target_imp)
        n_cat = len(tax.categories)
        # the parts of the skill logit that do not change over time
        self.static = INTEREST_WEIGHT * (n_cat * people.interests[:, tax.skill_category] - 1.0)
        self.static += self.log_z_skill[self.group]
        self.static += STRATEGIC_WEIGHT * tax.strategic
        self.strategic = np.asarray(tax.strategic, dtype=np.float64)

    def choose(
        self,
        rng: np.random.Generator,
        counts: IntArray,
        levels: FloatArray,
        progress: float,
    ) -> tuple[IntArray, IntArray, IntArray]:
        """Employee, skill and level of each enrolment, ``counts[e]`` of them for employee e.

        The skill softmax is computed once per active employee and sampled for all their
        rows at once by a search in row-offset cumulative probabilities.
        """
        active = np.flatnonzero(counts)
        logits = np.clip(self.required[active] - levels[active], 0.0, 2.0)
        logits *= self.weight[active]
        logits += self.static[active]
        logits += (TREND_WEIGHT * progress) * self.strategic
        logits -= logits.max(axis=1, keepdims=True)
        np.exp(logits, out=logits)
        np.cumsum(logits, axis=1, out=logits)
        logits /= logits[:, -1:]
        logits += np.arange(len(active), dtype=np.float64)[:, None]
        row = np.repeat(np.arange(len(active)), counts[active])
        pos = np.searchsorted(logits.ravel(), row + rng.random(len(row)), side="left")
        skill = np.clip(pos - row * self.n_skills, 0, self.n_skills - 1).astype(np.int64)
        emp = active[row]
        now = levels[emp, skill]
        desired = np.clip(now + 1.0, 1.0, N_LEVELS)
        steps = np.arange(1, N_LEVELS + 1, dtype=np.float64)
        fit = -((steps[None, :] - desired[:, None]) ** 2) / (2 * LEVEL_SPREAD**2)
        fit += self.log_z[self.group[emp][:, None], skill[:, None] * N_LEVELS + np.arange(N_LEVELS)]
        level = sample_rows(rng, fit) + 1
        return emp, skill, level

    def pick_items(
        self, rng: np.random.Generator, emp: IntArray, skill: IntArray, level: IntArray
    ) -> IntArray:
        """An item inside each row's (skill, level) bucket, by the group's item weights."""
        bucket = skill * N_LEVELS + level - 1
        base = self.group[emp] * self.n_items
        lo = self.flat[base + self.starts[bucket]]
        hi = self.flat[base + self.ends[bucket]]
        u = lo + rng.random(len(emp)) * (hi - lo)
        by_u = np.argsort(u)  # sorted queries search far faster in a large array
        pos = np.empty(len(u), dtype=np.int64)
        pos[by_u] = np.searchsorted(self.flat, u[by_u], side="right") - 1
        pos = np.clip(pos, base + self.starts[bucket], base + self.ends[bucket] - 1)
        return np.asarray(self.order[pos - base], dtype=np.int64)
