"""ML models: collaborative filtering, EASE, item-kNN, content, skill gap, popularity, ranker."""

from recsvc.models.cf import MatrixFactorization
from recsvc.models.content import ContentModel
from recsvc.models.ease import EASE
from recsvc.models.knn import ItemKNN
from recsvc.models.popularity import GroupPopularity
from recsvc.models.ranker import LogisticRanker

__all__ = [
    "EASE",
    "ContentModel",
    "GroupPopularity",
    "ItemKNN",
    "LogisticRanker",
    "MatrixFactorization",
]
