"""What the served model knows: roles, skills and content with their metadata, to browse.

An LMS needs the ids before it can send them (a role for ``context.role_id``, a skill for a
project), and a person deciding on an item wants its provider, difficulty and link: the
model state gives what ranking needs, :mod:`recsvc.recommend.catalogue_meta` the rest.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import numpy as np
import numpy.typing as npt

from recsvc.contract import CONTENT_FORMATS
from recsvc.errors import UnknownContentError
from recsvc.language import primary_language
from recsvc.recommend.catalogue_meta import CatalogueMeta
from recsvc.recommend.state import ModelState

__all__ = [
    "Catalogue",
    "ContentInfo",
    "ContentSkill",
    "Page",
    "RoleInfo",
    "RoleSkill",
    "SkillInfo",
]

T = TypeVar("T")


@dataclass(frozen=True)
class RoleSkill:
    skill_id: str
    name: str
    required_level: float
    importance: float


@dataclass(frozen=True)
class RoleInfo:
    role_id: str
    title: str
    family: str | None
    level: int | None
    skills: tuple[RoleSkill, ...]


@dataclass(frozen=True)
class SkillInfo:
    skill_id: str
    name: str
    category: str | None
    parent_id: str | None
    strategic_weight: float


@dataclass(frozen=True)
class ContentSkill:
    skill_id: str
    name: str
    level: int | None
    weight: float


@dataclass(frozen=True)
class ContentInfo:
    content_id: str
    title: str
    description: str | None
    format: str | None
    duration_minutes: float | None
    difficulty: int | None
    language: str | None
    provider: str | None
    url: str | None
    active: bool
    skills: tuple[ContentSkill, ...]


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a filtered list; ``total`` counts every match."""

    items: tuple[T, ...]
    total: int
    offset: int
    limit: int

    @property
    def next_offset(self) -> int | None:
        end = self.offset + len(self.items)
        return end if end < self.total else None


def _page(
    matches: npt.NDArray[np.int64], offset: int, limit: int, make: Callable[[int], T]
) -> Page[T]:
    chosen = matches[offset : offset + limit].tolist()
    return Page(tuple(make(i) for i in chosen), int(len(matches)), offset, limit)


def _contains(values: list[str], text: str | None) -> npt.NDArray[np.bool_]:
    if not text:
        return np.ones(len(values), dtype=bool)
    needle = text.casefold()
    return np.fromiter((needle in v.casefold() for v in values), dtype=bool, count=len(values))


def _equals(values: list[Any], wanted: str | None) -> npt.NDArray[np.bool_]:
    if wanted is None:
        return np.ones(len(values), dtype=bool)
    needle = wanted.casefold()
    return np.fromiter(
        (v is not None and str(v).casefold() == needle for v in values),
        dtype=bool,
        count=len(values),
    )


class Catalogue:
    """Filtered, paginated views of the roles, skills and content a bundle knows."""

    def __init__(self, state: ModelState, meta: CatalogueMeta) -> None:
        self.state = state
        self.meta = meta
        self._skills_t = state.content_skill_weight.T.tocsr()

    # roles --------------------------------------------------------------------------
    def role(self, r: int) -> RoleInfo:
        st, meta = self.state, self.meta.columns["role_meta"]
        required = np.asarray(st.role_required[r]).ravel()
        importance = np.asarray(st.role_importance[r]).ravel()
        skills = tuple(
            RoleSkill(
                st.skills.id_of(s),
                st.skill_names[s],
                round(float(required[s]), 3),
                round(float(importance[s]), 3),
            )
            for s in np.flatnonzero(required > 0).tolist()
        )
        level = meta["level"][r]
        return RoleInfo(
            st.roles.id_of(r),
            st.role_titles[r],
            meta["family"][r],
            None if level is None else int(level),
            skills,
        )

    def roles(
        self, *, family: str | None = None, q: str | None = None, offset: int = 0, limit: int = 50
    ) -> Page[RoleInfo]:
        st = self.state
        ok = _equals(self.meta.columns["role_meta"]["family"], family)
        ok &= _contains(list(st.role_titles), q) | _contains(list(st.roles.ids), q)
        return _page(np.flatnonzero(ok), offset, limit, self.role)

    # skills -------------------------------------------------------------------------
    def skill(self, s: int) -> SkillInfo:
        st, meta = self.state, self.meta.columns["skill_meta"]
        return SkillInfo(
            st.skills.id_of(s),
            st.skill_names[s],
            meta["category"][s],
            meta["parent_id"][s],
            round(float(st.skill_strategic[s]), 3),
        )

    def skills(
        self, *, category: str | None = None, q: str | None = None, offset: int = 0, limit: int = 50
    ) -> Page[SkillInfo]:
        st = self.state
        ok = _equals(self.meta.columns["skill_meta"]["category"], category)
        ok &= _contains(list(st.skill_names), q) | _contains(list(st.skills.ids), q)
        return _page(np.flatnonzero(ok), offset, limit, self.skill)

    # content ------------------------------------------------------------------------
    def content_info(self, i: int) -> ContentInfo:
        st, meta = self.state, self.meta.columns["content_meta"]
        weight, level = st.content_skill_weight, st.content_skill_level
        lo, hi = weight.indptr[i], weight.indptr[i + 1]
        skills = tuple(
            ContentSkill(
                st.skills.id_of(int(s)),
                st.skill_names[int(s)],
                int(round(float(lv))) if lv > 0 else None,
                round(float(w), 3),
            )
            for s, w, lv in zip(
                weight.indices[lo:hi],
                weight.data[lo:hi],
                _row(level, i, weight.indices[lo:hi]),
                strict=True,
            )
        )
        code = int(st.content_format[i])
        duration = float(st.content_duration[i])
        language = int(st.content_language[i])
        difficulty = meta["difficulty"][i]
        return ContentInfo(
            content_id=st.content.id_of(i),
            title=st.titles[i],
            description=meta["description"][i],
            format=CONTENT_FORMATS[code] if code >= 0 else None,
            duration_minutes=round(duration, 2) if math.isfinite(duration) else None,
            difficulty=None if difficulty is None else int(difficulty),
            language=st.languages[language] if language >= 0 else None,
            provider=meta["provider"][i],
            url=meta["url"][i],
            active=bool(st.content_active[i]),
            skills=skills,
        )

    def content_item(self, content_id: str) -> ContentInfo:
        i = self.state.content.get(content_id)
        if i < 0:
            raise UnknownContentError(
                f"content {content_id!r} is not in the model (it may be newer than the last "
                "training); GET /content lists the known ones"
            )
        return self.content_info(i)

    def content(
        self,
        *,
        format: str | None = None,
        language: str | None = None,
        skill_id: str | None = None,
        provider: str | None = None,
        difficulty: int | None = None,
        active: bool | None = None,
        q: str | None = None,
        offset: int = 0,
        limit: int = 50,
    ) -> Page[ContentInfo]:
        """Content matching every filter given, in id order.

        ``language`` compares primary subtags (``en`` finds ``en-GB``); ``skill_id`` keeps
        items that teach the skill; an unknown skill id matches nothing.
        """
        st, meta = self.state, self.meta.columns["content_meta"]
        n = len(st.content)
        ok = np.ones(n, dtype=bool)
        if format is not None:
            code = CONTENT_FORMATS.index(format) if format in CONTENT_FORMATS else -2
            ok &= np.asarray(st.content_format) == code
        if language is not None:
            wanted = primary_language(language)
            codes = [k for k, tag in enumerate(st.languages) if primary_language(tag) == wanted]
            ok &= np.isin(np.asarray(st.content_language), codes)
        if skill_id is not None:
            s = st.skills.get(skill_id)
            teaches = np.zeros(n, dtype=bool)
            if s >= 0:
                lo, hi = self._skills_t.indptr[s], self._skills_t.indptr[s + 1]
                teaches[self._skills_t.indices[lo:hi]] = True
            ok &= teaches
        ok &= _equals(meta["provider"], provider)
        if difficulty is not None:
            ok &= np.fromiter((d == difficulty for d in meta["difficulty"]), dtype=bool, count=n)
        if active is not None:
            ok &= np.asarray(st.content_active, dtype=bool) == active
        if q:
            ok &= _contains(list(st.titles), q) | _contains(list(st.content.ids), q)
        return _page(np.flatnonzero(ok), offset, limit, self.content_info)


def _row(matrix: Any, i: int, columns: npt.NDArray[np.int32]) -> list[float]:
    """``matrix[i, columns]`` of a CSR matrix as floats (0 where it has no entry)."""
    lo, hi = matrix.indptr[i], matrix.indptr[i + 1]
    found = dict(zip(matrix.indices[lo:hi].tolist(), matrix.data[lo:hi].tolist(), strict=True))
    return [float(found.get(int(c), 0.0)) for c in columns]
