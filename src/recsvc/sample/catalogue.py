"""The learning catalogue: items, the skills they teach, prerequisites and their hidden quality.

Each item teaches one primary skill to a level (plus up to two related skills), has a format
with a realistic duration, a language, a publication date, a latent appeal (Zipf-like
popularity) and a latent quality and effectiveness. Effectiveness is ground truth only; some
popular items are ineffective on purpose, so popularity is a trap for skill models.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from recsvc.contract import CONTENT_FORMATS
from recsvc.sample.taxonomy import Taxonomy
from recsvc.sample.timeline import DAY, REFERENCE, WINDOW_START
from recsvc.sample.vocabulary import PROVIDERS, write_texts

__all__ = ["ASSESSABLE_FORMATS", "LANGUAGES", "Catalogue", "make_catalogue"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

LANGUAGES: tuple[str, ...] = ("en", "de", "fr", "es")
_LANGUAGE_P = (0.75, 0.10, 0.08, 0.07)
_FORMAT_P = {
    "course": 0.28,
    "video": 0.24,
    "article": 0.20,
    "podcast": 0.05,
    "classroom": 0.07,
    "mentoring": 0.04,
    "project": 0.05,
    "assessment": 0.07,
}
# how much a format's completion moves a skill, relative to a course
_FORMAT_GAIN = {
    "course": 1.0,
    "video": 0.4,
    "article": 0.3,
    "podcast": 0.3,
    "classroom": 1.2,
    "mentoring": 1.3,
    "project": 1.4,
    "assessment": 0.15,
}
# short formats are clicked more often
_FORMAT_APPEAL = {
    "course": 0.0,
    "video": 0.4,
    "article": 0.2,
    "podcast": -0.3,
    "classroom": -0.6,
    "mentoring": -1.0,
    "project": -0.8,
    "assessment": -0.5,
}
ASSESSABLE_FORMATS: tuple[str, ...] = ("course", "classroom", "project", "assessment")
_LEVEL_P = np.array([0.25, 0.30, 0.25, 0.14, 0.06])
INEFFECTIVE_SHARE = 0.12
RETIRED_SHARE = 0.04


@dataclass(frozen=True)
class Catalogue:
    """Contract tables plus the per-item latent arrays the activity simulation needs."""

    content: pd.DataFrame
    content_skills: pd.DataFrame
    prerequisites: pd.DataFrame
    effectiveness: pd.DataFrame  # ground truth: content_id, skill_id, true_gain, quality, ...
    skill: IntArray  # primary skill index
    secondary: IntArray  # (items, 2) secondary skill indices, -1 for none
    secondary_weight: FloatArray  # (items, 2) share of the primary gain they get
    level: IntArray  # level taught, 1-5
    fmt: IntArray  # index into CONTENT_FORMATS
    language: IntArray  # index into LANGUAGES
    duration: FloatArray  # minutes
    published: IntArray  # seconds
    retired: IntArray  # seconds; after REFERENCE for active items
    quality: FloatArray
    true_gain: FloatArray  # level gain on the primary skill for a learner one level below
    appeal: FloatArray  # log-weight of popularity
    requires: IntArray  # prerequisite item, -1 for none

    @property
    def n_items(self) -> int:
        return len(self.skill)


def _durations(rng: np.random.Generator, fmt: IntArray, level: IntArray) -> FloatArray:
    n = len(fmt)
    z = rng.standard_normal(n)
    names = np.array(CONTENT_FORMATS)[fmt]
    out = np.empty(n)
    lognormal = {"course": (90, 0.6), "video": (8, 0.5), "article": (12, 0.5)}
    lognormal |= {"podcast": (35, 0.4), "assessment": (30, 0.3)}
    for name, (median, sigma) in lognormal.items():
        m = names == name
        out[m] = median * np.exp(sigma * z[m])
    m = names == "course"
    out[m] *= 1.0 + 0.15 * (level[m] - 1)
    m = names == "classroom"
    out[m] = rng.choice([240.0, 480.0, 960.0], size=m.sum(), p=[0.3, 0.5, 0.2])
    m = names == "mentoring"
    out[m] = 60.0 * rng.integers(3, 13, size=m.sum())
    m = names == "project"
    out[m] = 60.0 * rng.integers(8, 41, size=m.sum())
    return np.maximum(np.round(out), 2.0)


def _skill_weights(tax: Taxonomy) -> FloatArray:
    """Catalogues teach what roles need, and strategic skills a bit more."""
    w = 0.3 + tax.importance.sum(axis=0) / tax.n_roles * 4.0 + 1.5 * tax.strategic
    return np.asarray(w / w.sum(), dtype=np.float64)


def _secondary(rng: np.random.Generator, tax: Taxonomy, skill: IntArray) -> IntArray:
    """Up to two related skills per item, mostly from the primary skill's category."""
    n = len(skill)
    cat = tax.skill_category
    out = np.full((n, 2), -1, dtype=np.int64)
    count = rng.choice(3, size=n, p=[0.4, 0.4, 0.2])
    for k in range(2):
        pick = rng.integers(0, tax.n_skills, size=n)
        same = rng.random(n) < 0.7
        for c in range(len(tax.categories)):
            members = np.flatnonzero(cat == c)
            m = same & (cat[skill] == c)
            pick[m] = members[rng.integers(0, len(members), size=m.sum())]
        ok = (count > k) & (pick != skill) & (pick != out[:, 0])
        out[ok, k] = pick[ok]
    return out


def _prerequisites(
    rng: np.random.Generator, skill: IntArray, level: IntArray, published: IntArray
) -> tuple[IntArray, IntArray]:
    """A harder item on a skill sometimes requires an easier, older one on the same skill."""
    wants = np.flatnonzero((level >= 3) & (rng.random(len(skill)) < 0.2))
    src: list[int] = []
    dst: list[int] = []
    for i in wants:
        cand = np.flatnonzero(
            (skill == skill[i])
            & (level < level[i])
            & (level >= level[i] - 2)
            & (published < published[i])
        )
        if len(cand):
            src.append(int(i))
            dst.append(int(cand[rng.integers(len(cand))]))
    return np.array(src, dtype=np.int64), np.array(dst, dtype=np.int64)


def make_catalogue(rng: np.random.Generator, tax: Taxonomy, n_items: int) -> Catalogue:
    """Draw a catalogue of ``n_items`` items."""
    skill = rng.choice(tax.n_skills, size=n_items, p=_skill_weights(tax)).astype(np.int64)
    level = (rng.choice(5, size=n_items, p=_LEVEL_P) + 1).astype(np.int64)
    fmt = rng.choice(len(CONTENT_FORMATS), size=n_items, p=[_FORMAT_P[f] for f in CONTENT_FORMATS])
    language = rng.choice(len(LANGUAGES), size=n_items, p=_LANGUAGE_P).astype(np.int64)
    duration = _durations(rng, fmt, level)
    difficulty = np.clip(level + np.round(rng.normal(0.0, 0.5, n_items)), 1, 5).astype(np.int64)
    secondary = _secondary(rng, tax, skill)

    old = rng.random(n_items) < 0.55
    published = np.where(
        old,
        WINDOW_START - rng.integers(0, 3 * 365 * DAY, size=n_items),
        WINDOW_START + rng.integers(0, (REFERENCE - WINDOW_START) - 14 * DAY, size=n_items),
    )
    published = published - published % 60
    retired_mask = rng.random(n_items) < RETIRED_SHARE
    begin = np.maximum(published, WINDOW_START) + 60 * DAY
    retired = np.where(
        retired_mask & (begin < REFERENCE),
        begin + (rng.random(n_items) * np.maximum(REFERENCE - begin, 0)).astype(np.int64),
        REFERENCE + 10 * 365 * DAY,
    )

    quality = rng.standard_normal(n_items)
    gain = np.clip(0.45 + 0.15 * quality + rng.normal(0.0, 0.08, n_items), 0.05, None)
    gain *= np.array([_FORMAT_GAIN[f] for f in CONTENT_FORMATS])[fmt]
    ineffective = rng.random(n_items) < INEFFECTIVE_SHARE
    gain = np.where(ineffective, gain * 0.05, gain).round(4)
    rank = rng.permutation(n_items) + 1
    appeal = -0.9 * np.log(rank) + 0.3 * quality
    appeal += np.array([_FORMAT_APPEAL[f] for f in CONTENT_FORMATS])[fmt]

    ids = np.array(
        [f"C{i + 1:0{max(5, len(str(n_items)))}d}" for i in range(n_items)], dtype=object
    )
    parts = {"skill": skill, "level": level, "fmt": fmt, "secondary": secondary}
    titles, descriptions = write_texts(rng, tax.skills["name"].tolist(), parts, duration)
    content = pd.DataFrame(
        {
            "content_id": ids,
            "title": titles,
            "description": descriptions,
            "format": np.array(CONTENT_FORMATS, dtype=object)[fmt],
            "duration_minutes": duration,
            "difficulty": difficulty,
            "language": np.array(LANGUAGES, dtype=object)[language],
            "provider": np.array(PROVIDERS, dtype=object)[rng.integers(0, len(PROVIDERS), n_items)],
            # a link for what lives in an LMS; mentoring and projects have none
            "url": [
                None
                if CONTENT_FORMATS[f] in ("mentoring", "project")
                else f"https://learning.example.com/content/{i}"
                for i, f in zip(ids, fmt, strict=True)
            ],
            "active": retired > REFERENCE,
            "published_at": published,
        }
    )
    skill_ids = tax.skills["skill_id"].to_numpy(dtype=object)
    rows = [(np.arange(n_items), skill, level, np.ones(n_items), gain)]
    secondary_weight = np.where(
        secondary >= 0, np.round(rng.uniform(0.3, 0.6, (n_items, 2)), 2), 0.0
    )
    for k in range(2):
        has = np.flatnonzero(secondary[:, k] >= 0)
        weight = secondary_weight[has, k]
        rows.append(
            (has, secondary[has, k], np.maximum(level[has] - 1, 1), weight, gain[has] * weight)
        )
    item, sk, lv, wt, tg = (np.concatenate(col) for col in zip(*rows, strict=True))
    order = np.lexsort((sk, item))
    content_skills = pd.DataFrame(
        {
            "content_id": ids[item[order]],
            "skill_id": skill_ids[sk[order]],
            "level": lv[order],
            "weight": wt[order],
        }
    )
    effectiveness = pd.DataFrame(
        {
            "content_id": ids[item[order]],
            "skill_id": skill_ids[sk[order]],
            "true_gain": np.round(tg[order], 4),
            "quality": np.round(quality[item[order]], 4),
            "ineffective": ineffective[item[order]],
        }
    )
    p_src, p_dst = _prerequisites(rng, skill, level, published)
    requires = np.full(n_items, -1, dtype=np.int64)
    requires[p_src] = p_dst
    prerequisites = pd.DataFrame({"content_id": ids[p_src], "requires_content_id": ids[p_dst]})
    return Catalogue(
        content=content,
        content_skills=content_skills,
        prerequisites=prerequisites.drop_duplicates(ignore_index=True),
        effectiveness=effectiveness,
        skill=skill,
        secondary=secondary,
        secondary_weight=secondary_weight,
        level=level,
        fmt=fmt.astype(np.int64),
        language=language,
        duration=duration,
        published=published.astype(np.int64),
        retired=retired.astype(np.int64),
        quality=quality,
        true_gain=gain,
        appeal=appeal,
        requires=requires,
    )
