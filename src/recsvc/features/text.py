"""TF-IDF text vectors over title, description and skill names, fit offline, applied anywhere.

scikit-learn fits the vocabulary and idf; :class:`TextEncoder` then re-applies exactly the same
analysis (lowercase, token pattern, English stop words, 1-2 grams, sublinear tf, l2 norm) with
plain numpy, so the service can embed free-text project descriptions without sklearn objects
or pickle. A test checks the two agree.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

__all__ = ["TOKEN_PATTERN", "TextEncoder", "fit_text_encoder", "fit_text_vectors"]

TOKEN_PATTERN = r"(?u)\b\w\w+\b"
_TOKEN_RE = re.compile(TOKEN_PATTERN)


@dataclass(frozen=True)
class TextEncoder:
    """Fitted TF-IDF vocabulary and idf weights; ``transform`` needs only numpy and scipy."""

    vocabulary: tuple[str, ...]
    idf: npt.NDArray[np.float32]
    stop_words: frozenset[str]
    ngram_max: int = 2
    _pos: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_pos", {t: i for i, t in enumerate(self.vocabulary)})

    @property
    def n_features(self) -> int:
        return len(self.vocabulary)

    def _terms(self, text: str) -> list[str]:
        tokens = [t for t in _TOKEN_RE.findall(text.lower()) if t not in self.stop_words]
        terms = list(tokens)
        for n in range(2, self.ngram_max + 1):
            terms.extend(" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1))
        return terms

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        """L2-normalised TF-IDF rows; unknown words are ignored."""
        indptr = [0]
        indices: list[int] = []
        data: list[float] = []
        for text in texts:
            counts = Counter(self._pos[t] for t in self._terms(text or "") if t in self._pos)
            cols = sorted(counts)
            vals = np.array(
                [(1.0 + np.log(counts[j])) * float(self.idf[j]) for j in cols], dtype=np.float64
            )
            norm = float(np.sqrt((vals**2).sum())) if len(vals) else 0.0
            indices.extend(cols)
            data.extend((vals / norm).tolist() if norm > 0 else vals.tolist())
            indptr.append(len(indices))
        return sp.csr_matrix(
            (np.asarray(data, dtype=np.float32), np.asarray(indices, dtype=np.int32), indptr),
            shape=(len(texts), self.n_features),
        )

    def to_document(self) -> dict[str, Any]:
        """JSON-able state (vocabulary and settings); idf goes in an array."""
        return {
            "vocabulary": list(self.vocabulary),
            "stop_words": sorted(self.stop_words),
            "ngram_max": self.ngram_max,
        }

    @classmethod
    def from_document(cls, doc: Mapping[str, Any], idf: npt.NDArray[np.float32]) -> TextEncoder:
        return cls(
            vocabulary=tuple(doc["vocabulary"]),
            idf=np.asarray(idf, dtype=np.float32),
            stop_words=frozenset(doc["stop_words"]),
            ngram_max=int(doc["ngram_max"]),
        )


def fit_text_encoder(
    texts: Sequence[str], *, max_features: int = 50_000, ngram_max: int = 2
) -> TextEncoder:
    """Fit TF-IDF on the catalogue's texts (terms seen in at least one document)."""
    return fit_text_vectors(texts, max_features=max_features, ngram_max=ngram_max)[0]


def fit_text_vectors(
    texts: Sequence[str], *, max_features: int = 50_000, ngram_max: int = 2
) -> tuple[TextEncoder, sp.csr_matrix]:
    """The fitted encoder and the texts' own L2-normalised TF-IDF rows, in one pass.

    The rows are scikit-learn's, which equal ``encoder.transform(texts)`` (a test checks it)
    at C speed: the encoder's pure-Python transform is for the few texts of a request, and
    took most of the trainer's text features on a 20,000-item catalogue.
    """
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer

    vec = TfidfVectorizer(
        lowercase=True,
        token_pattern=TOKEN_PATTERN,
        stop_words=list(ENGLISH_STOP_WORDS),
        ngram_range=(1, ngram_max),
        sublinear_tf=True,
        max_features=max_features,
        dtype=np.float32,
    )
    texts = [t or "" for t in texts]
    if not any(_TOKEN_RE.search(t) for t in texts):
        empty = TextEncoder((), np.zeros(0, dtype=np.float32), frozenset(ENGLISH_STOP_WORDS))
        return empty, sp.csr_matrix((len(texts), 0), dtype=np.float32)
    rows = sp.csr_matrix(vec.fit_transform(texts), dtype=np.float32)
    rows.sort_indices()
    vocab = sorted(vec.vocabulary_, key=vec.vocabulary_.__getitem__)
    encoder = TextEncoder(
        vocabulary=tuple(vocab),
        idf=np.asarray(vec.idf_, dtype=np.float32),
        stop_words=frozenset(ENGLISH_STOP_WORDS),
        ngram_max=ngram_max,
    )
    return encoder, rows
