"""ML models of recsvc: collaborative filtering, EASE, content, skill gap, popularity, ranker."""

from recsvc.models.cf import MatrixFactorization
from recsvc.models.content import ContentModel
from recsvc.models.ease import EASE
from recsvc.models.popularity import GroupPopularity
from recsvc.models.ranker import LogisticRanker
from recsvc.models.skill_gap import SkillGapModel

__all__ = [
    "EASE",
    "ContentModel",
    "GroupPopularity",
    "LogisticRanker",
    "MatrixFactorization",
    "SkillGapModel",
]
