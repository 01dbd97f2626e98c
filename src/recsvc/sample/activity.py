"""Two years of learning activity, simulated month by month: enrolments, outcomes, assessments.

Each month every employee enrols a Poisson number of times; choices follow the current
skill gaps (see ``choice``), completions raise true skill levels by the item's true gain in
the month they finish, and those new levels shape later choices and assessments. So time
order matters, as it does in real data. Loops run over months and resampling rounds, never
over employees or enrolments.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from recsvc.contract import ASSESSMENT_SOURCES, CONTENT_FORMATS
from recsvc.sample.assessments import (
    COURSE_TEST_NOISE,
    PRE_POST_SHARE,
    AssessmentPlan,
    observe,
    plan_baseline,
)
from recsvc.sample.catalogue import ASSESSABLE_FORMATS, Catalogue
from recsvc.sample.choice import ChoiceModel
from recsvc.sample.outcomes import COMPLETED, draw_outcomes
from recsvc.sample.people import People
from recsvc.sample.taxonomy import Taxonomy
from recsvc.sample.timeline import DAY, N_STEPS, REFERENCE, STEP, WINDOW_START, step_of

__all__ = ["Activity", "simulate_activity"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

RESAMPLE_ROUNDS = 8
SAME_BUCKET_ROUNDS = 2
REPEAT_SHARE = 0.01  # a few people do retake an item they took before


@dataclass(frozen=True)
class Activity:
    """Index-based results; ``organisation`` turns them into contract tables."""

    enrolments: dict[str, npt.NDArray[np.generic]]
    assessments: dict[str, npt.NDArray[np.generic]]
    final_levels: FloatArray


def _season(step: int) -> float:
    """Usage grows over the window and dips in summer."""
    trend = 0.85 + 0.3 * step / (N_STEPS - 1)
    return float(trend * (1.0 + 0.15 * np.cos(2 * np.pi * (step + 6) / 12)))


def _times(rng: np.random.Generator, begin: IntArray, end: IntArray | int) -> IntArray:
    """A day between ``begin`` and ``end``, at a time in working hours (UTC, roughly)."""
    day = begin + (rng.random(len(begin)) * (end - begin)).astype(np.int64)
    day -= day % DAY
    hour = np.clip(rng.normal(13.0, 2.5, len(begin)), 7.0, 20.0)
    return np.asarray(np.maximum(day + (hour * 3600).astype(np.int64), begin), dtype=np.int64)


def _is_seen(seen: IntArray, keys: IntArray) -> npt.NDArray[np.bool_]:
    if len(seen) == 0:
        return np.zeros(len(keys), dtype=bool)
    order = np.argsort(keys)
    pos = np.empty(len(keys), dtype=np.int64)
    pos[order] = np.searchsorted(seen, keys[order])
    pos = np.minimum(pos, len(seen) - 1)
    return np.asarray(seen[pos] == keys)


def _repeated(keys: IntArray) -> npt.NDArray[np.bool_]:
    """True for every occurrence of a key after its first."""
    _, first = np.unique(keys, return_index=True)
    out = np.ones(len(keys), dtype=bool)
    out[first] = False
    return out


def _unavailable(
    cat: Catalogue,
    seen: IntArray,
    emp: IntArray,
    when: IntArray,
    item: IntArray,
    may_repeat: npt.NDArray[np.bool_],
) -> npt.NDArray[np.bool_]:
    """Rows whose item is not open at that time, or (mostly) was taken in an earlier month."""
    closed = (cat.published[item] > when) | (cat.retired[item] <= when)
    return np.asarray(closed | (_is_seen(seen, emp * cat.n_items + item) & ~may_repeat))


def _apply_gains(levels: FloatArray, cat: Catalogue, emp: IntArray, item: IntArray) -> FloatArray:
    """Raise true levels for completions; return the primary-skill gain of each.

    Gain is the item's true gain, scaled down when the learner is already near or above the
    level it teaches (nothing to learn from a course below you).
    """
    skill = cat.skill[item]
    room = np.clip(cat.level[item] + 0.5 - levels[emp, skill], 0.0, 1.0)
    gain = cat.true_gain[item] * room
    updates = [(skill, gain)]
    for k in range(2):
        other = cat.secondary[item, k]
        has = other >= 0
        lvl = np.maximum(cat.level[item] - 1, 1)
        room2 = np.clip(lvl + 0.5 - levels[emp, np.maximum(other, 0)], 0.0, 1.0)
        updates.append(
            (
                np.maximum(other, 0),
                has * cat.true_gain[item] * cat.secondary_weight[item, k] * room2,
            )
        )
    n_skills = levels.shape[1]
    flat_idx = np.concatenate([emp * n_skills + s for s, _ in updates])
    uniq, inverse = np.unique(flat_idx, return_inverse=True)
    total = np.bincount(inverse, weights=np.concatenate([g for _, g in updates]))
    flat = levels.reshape(-1)
    flat[uniq] = np.minimum(flat[uniq] + total, 5.0)
    return np.asarray(gain, dtype=np.float64)


def simulate_activity(
    rng: np.random.Generator, tax: Taxonomy, cat: Catalogue, people: People
) -> Activity:
    """Run the monthly simulation and return enrolments, assessments and final true levels."""
    choice = ChoiceModel(rng, tax, cat, people)
    plan = plan_baseline(rng, tax, people.role, people.hired)
    levels = people.levels.copy()
    seen = np.empty(0, dtype=np.int64)
    completed = np.empty(0, dtype=np.int64)  # (employee, item) keys completed so far
    months: list[dict[str, npt.NDArray[np.generic]]] = []
    pending: dict[int, list[tuple[IntArray, IntArray, IntArray]]] = {}
    course_tests: list[tuple[IntArray, FloatArray, FloatArray]] = []
    offset = 0
    for t in range(N_STEPS):
        start = WINDOW_START + t * STEP
        due = np.flatnonzero(plan.step == t)
        plan.truth[due] = levels[plan.employee[due], plan.skill[due]]

        counts = rng.poisson(people.rate * _season(t) / N_STEPS)
        counts[people.hired >= start + STEP] = 0
        if people.active_until is not None:
            counts[people.active_until < start] = 0
        emp, skill, level = choice.choose(rng, counts, levels, t / (N_STEPS - 1))
        when = _times(rng, np.maximum(start, people.hired[emp]), start + STEP)
        item = choice.pick_items(rng, emp, skill, level)
        may_repeat = rng.random(len(emp)) < REPEAT_SHARE

        # resample rows whose item is closed or (mostly) already taken; only they change
        taken = _unavailable(cat, seen, emp, when, item, may_repeat)
        bad = taken | (_repeated(emp * cat.n_items + item) & ~may_repeat)
        for round_ in range(RESAMPLE_ROUNDS):
            if not bad.any():
                break
            idx = np.flatnonzero(bad)
            if round_ >= SAME_BUCKET_ROUNDS:  # that bucket is exhausted: choose afresh
                again = np.bincount(emp[idx], minlength=len(counts))
                _, skill[idx], level[idx] = choice.choose(rng, again, levels, t / (N_STEPS - 1))
            item[idx] = choice.pick_items(rng, emp[idx], skill[idx], level[idx])
            taken[idx] = _unavailable(cat, seen, emp[idx], when[idx], item[idx], may_repeat[idx])
            bad = taken | (_repeated(emp * cat.n_items + item) & ~may_repeat)
        keep = ~bad
        emp, when, item = emp[keep], when[keep], item[keep]
        needs = cat.requires[item]
        lacking = (needs >= 0) & ~_is_seen(completed, emp * cat.n_items + needs)
        out = draw_outcomes(rng, cat, item, levels[emp, cat.skill[item]], when, lacking)
        keys = np.sort(emp * cat.n_items + item)
        seen = np.insert(seen, np.searchsorted(seen, keys), keys)

        done = np.flatnonzero(out.status == COMPLETED)
        finish_step = step_of(out.completed_at[done])
        for s in np.unique(finish_step):
            sel = done[finish_step == s]
            pending.setdefault(int(s), []).append((offset + sel, emp[sel], item[sel]))
        months.append(
            {
                "employee": emp,
                "item": item,
                "enrolled_at": when,
                "status": out.status,
                "completed_at": out.completed_at,
                "progress": out.progress,
                "score": out.score,
                "rating": out.rating,
            }
        )
        offset += len(emp)
        due_now = pending.pop(t, [])
        if due_now:
            rows, e, i = (np.concatenate(part) for part in zip(*due_now, strict=True))
            before = levels[e, cat.skill[i]]
            gain = _apply_gains(levels, cat, e, i)
            course_tests.append((rows, before, before + gain))
            new = np.sort(e * cat.n_items + i)
            completed = np.insert(completed, np.searchsorted(completed, new), new)

    enrolments = {k: np.concatenate([m[k] for m in months]) for k in months[0]}
    assessments = _assessments(rng, cat, plan, enrolments, course_tests, people.hired)
    return Activity(enrolments=enrolments, assessments=assessments, final_levels=levels)


def _assessments(
    rng: np.random.Generator,
    cat: Catalogue,
    plan: AssessmentPlan,
    enrolments: dict[str, npt.NDArray[np.generic]],
    course_tests: list[tuple[IntArray, FloatArray, FloatArray]],
    hired: IntArray,
) -> dict[str, npt.NDArray[np.generic]]:
    """Baseline assessments plus pre/post course tests around some completed courses."""
    test = ASSESSMENT_SOURCES.index("test")
    rows = np.concatenate([c[0] for c in course_tests]) if course_tests else np.empty(0, np.int64)
    pre = np.concatenate([c[1] for c in course_tests]) if course_tests else np.empty(0)
    post = np.concatenate([c[2] for c in course_tests]) if course_tests else np.empty(0)
    item = np.asarray(enrolments["item"])[rows].astype(np.int64)
    assessable = np.isin(cat.fmt[item], [CONTENT_FORMATS.index(f) for f in ASSESSABLE_FORMATS])
    pick = assessable & (rng.random(len(rows)) < PRE_POST_SHARE)
    rows, pre, post, item = rows[pick], pre[pick], post[pick], item[pick]
    emp = np.asarray(enrolments["employee"])[rows].astype(np.int64)
    enrolled = np.asarray(enrolments["enrolled_at"])[rows].astype(np.int64)
    completed = np.asarray(enrolments["completed_at"])[rows].astype(np.int64)
    pre_at = np.maximum(enrolled - (rng.random(len(rows)) * 2 * DAY).astype(np.int64), hired[emp])
    post_at = np.minimum(
        completed + (rng.random(len(rows)) * 3 * DAY).astype(np.int64), REFERENCE - 1
    )
    n = len(rows)

    def noisy(level: FloatArray) -> FloatArray:
        return np.clip(level + rng.normal(0.0, COURSE_TEST_NOISE, n), 0.0, 5.0).round(2)

    base_n = len(plan.employee)
    return {
        "employee": np.concatenate((plan.employee, emp, emp)),
        "skill": np.concatenate((plan.skill, cat.skill[item], cat.skill[item])),
        "level": np.concatenate((observe(rng, plan.truth, plan.source), noisy(pre), noisy(post))),
        "assessed_at": np.concatenate((plan.at, pre_at, post_at)),
        "source": np.concatenate((plan.source, np.full(2 * n, test))),
        "item": np.concatenate((np.full(base_n, -1), item, item)),
    }
