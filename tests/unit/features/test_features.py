"""Confidence weights, the TF-IDF encoder and skill levels behave as documented."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer

from recsvc import contract as c
from recsvc.dataset import build_dataset
from recsvc.features.confidence import STATUS_CODES, ConfidenceParams, enrolment_weights
from recsvc.features.skills import (
    SkillParams,
    content_skill_matrices,
    role_requirements,
    skill_evidence,
)
from recsvc.features.text import fit_text_encoder, fit_text_vectors

DOCS = [
    "Intro to SQL: joins, tables and relational databases",
    "Advanced SQL window functions for analysts",
    "Python for data analysis with pandas",
    "Giving feedback: leadership for new managers",
]


def test_recency_and_rating_scale_the_weight() -> None:
    p = ConfidenceParams(half_life_days=100.0)
    status = np.array([STATUS_CODES["completed"]] * 3, dtype=np.int8)
    w = enrolment_weights(
        status, np.array([3.0, 5.0, 3.0], np.float32), np.array([0.0, 0.0, 100.0]), p
    )
    assert w[1] > w[0] > w[2]
    assert np.isclose(w[2], w[0] / 2)  # one half-life halves it


def test_encoder_matches_sklearn_and_ignores_unknown_words() -> None:
    enc = fit_text_encoder(DOCS)
    ref = TfidfVectorizer(
        stop_words=list(ENGLISH_STOP_WORDS), ngram_range=(1, 2), sublinear_tf=True
    ).fit(DOCS)
    ours = enc.transform(DOCS).toarray()
    theirs = ref.transform(DOCS).toarray()
    # same vocabulary order (sklearn sorts terms) so columns line up
    assert list(enc.vocabulary) == sorted(ref.vocabulary_, key=ref.vocabulary_.__getitem__)
    np.testing.assert_allclose(ours, theirs, atol=1e-6)
    fitted, rows = fit_text_vectors(DOCS)  # what the trainer stores: the same rows
    assert fitted.vocabulary == enc.vocabulary
    np.testing.assert_allclose(rows.toarray(), ours, atol=1e-6)
    assert rows.dtype == np.float32 and rows.has_sorted_indices
    q = enc.transform(["zzz unknown words about sql joins"])
    sims = (enc.transform(DOCS) @ q.T).toarray().ravel()
    assert int(np.argmax(sims)) == 0


def _skill_tables(assessments: list[tuple[str, float, str, str]]) -> dict[str, pd.DataFrame]:
    content = pd.DataFrame(
        {
            "content_id": pd.array(["sql3"], dtype="string"),
            "title": pd.array(["SQL"], dtype="string"),
            "difficulty": pd.array([3], dtype="Int64"),
        }
    )
    enrol = pd.DataFrame(
        {
            "employee_id": pd.array(["e1", "e2"], dtype="string"),
            "content_id": pd.array(["sql3", "sql3"], dtype="string"),
            "enrolled_at": pd.to_datetime(["2024-06-01", "2024-06-01"], utc=True),
            "status": pd.array(["completed", "dropped"], dtype="string"),
        }
    )
    skills = pd.DataFrame(
        {"skill_id": pd.array(["sql"], dtype="string"), "name": pd.array(["SQL"], dtype="string")}
    )
    cs = pd.DataFrame(
        {
            "content_id": pd.array(["sql3"], dtype="string"),
            "skill_id": pd.array(["sql"], dtype="string"),
            "level": pd.array([pd.NA], dtype="Int64"),  # falls back to difficulty 3
            "weight": pd.array([1.0], dtype="float64"),
        }
    )
    a = pd.DataFrame(
        {
            "employee_id": pd.array([x[0] for x in assessments], dtype="string"),
            "skill_id": pd.array(["sql"] * len(assessments), dtype="string"),
            "level": pd.array([x[1] for x in assessments], dtype="float64"),
            "assessed_at": pd.to_datetime([x[2] for x in assessments], utc=True),
            "source": pd.array([x[3] for x in assessments], dtype="string"),
        }
    )
    roles = pd.DataFrame(
        {"role_id": pd.array(["r"], dtype="string"), "title": pd.array(["R"], dtype="string")}
    )
    rs = pd.DataFrame(
        {
            "role_id": pd.array(["r"], dtype="string"),
            "skill_id": pd.array(["sql"], dtype="string"),
            "required_level": pd.array([4.0], dtype="float64"),
            "importance": pd.array([0.5], dtype="float64"),
        }
    )
    return {
        c.CONTENT: content,
        c.ENROLMENTS: enrol,
        c.SKILLS: skills,
        c.CONTENT_SKILLS: cs,
        c.ASSESSMENTS: a,
        c.ROLES: roles,
        c.ROLE_SKILLS: rs,
    }


def _levels(assessments: list[tuple[str, float, str, str]], **kw: float) -> np.ndarray:
    ds = build_dataset(_skill_tables(assessments))
    w, lv = content_skill_matrices(ds)
    ev = skill_evidence(ds, SkillParams(**kw), w, lv)
    return np.asarray(ev.levels().toarray())[:, 0]


def test_tests_outweigh_self_ratings() -> None:
    lv = _levels(
        [("e2", 1.0, "2024-06-01", "test"), ("e2", 5.0, "2024-06-01", "self")],
        evidence_weight=0.0,
    )
    assert lv[1] < 3.0  # the test (1.0, weight 1) beats the self-rating (5.0, weight 0.3)
    assert np.isclose(lv[1], (1.0 * 1 + 5.0 * 0.3) / 1.3, atol=1e-5)


def test_newer_assessment_wins_through_decay() -> None:
    lv = _levels(
        [("e2", 1.0, "2020-06-01", "test"), ("e2", 4.0, "2024-06-01", "test")],
        half_life_days=180.0,
        evidence_weight=0.0,
    )
    assert lv[1] > 3.8


def test_completed_content_is_evidence_but_dropped_is_not() -> None:
    lv = _levels([("e1", 1.0, "2024-06-01", "self")], evidence_weight=1.0)
    # e1: self 1.0 (w 0.3) + completed level-3 content (w 1.0); e2: dropped, no evidence
    assert np.isclose(lv[0], (0.3 * 1.0 + 3.0) / 1.3, atol=1e-5)
    assert lv[1] == 0.0


def test_role_requirements() -> None:
    ds = build_dataset(_skill_tables([("e1", 1.0, "2024-06-01", "test")]))
    req, imp = role_requirements(ds)
    assert req.tolist() == [[4.0]] and imp.tolist() == [[0.5]]
