"""Recommender: the pure recommendation core over one loaded bundle (no HTTP, no mutable state)."""

from __future__ import annotations

import dataclasses
import logging
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from recsvc.contract import CONTENT_FORMATS
from recsvc.errors import UnknownContentError, UnknownEmployeeError
from recsvc.models.base import top_k
from recsvc.privacy import MIN_GROUP, check_min_group
from recsvc.recommend.candidates import UserSignals, build_signals, text_by_term
from recsvc.recommend.careers.audience import AudienceFilters, AudiencePage, Audiences
from recsvc.recommend.careers.next_roles import CareerPaths, NextRoles
from recsvc.recommend.careers.plan import Goal, Plan, Planner
from recsvc.recommend.catalogue import Catalogue
from recsvc.recommend.catalogue_meta import CatalogueMeta
from recsvc.recommend.directory import Directory
from recsvc.recommend.diversify import diversity_vectors
from recsvc.recommend.explain import ExplainTables, explain_items
from recsvc.recommend.exposure_floor import FLOOR_POOL, ExposureFloor, rerank
from recsvc.recommend.gain_curve import expected_gain
from recsvc.recommend.list_value import greedy_list
from recsvc.recommend.policy import Chance, rank_items
from recsvc.recommend.query import (
    Context,
    InputWarning,
    Query,
    Recommendations,
    RecommendedItem,
    SimilarItem,
    SkillGap,
    SkillGapReport,
)
from recsvc.recommend.rules import DEFAULT_FALLBACK_LANGUAGE, RuleTables, allowed_items
from recsvc.recommend.score import Engagement, FeatureBuilder
from recsvc.recommend.skill_state import EVIDENCE_NAMES
from recsvc.recommend.slate import restrict_to_best_fit
from recsvc.recommend.state import ModelState
from recsvc.recommend.tolerance import known_query, role_warning

__all__ = ["Recommender"]

logger = logging.getLogger(__name__)


class Recommender:
    """Ranked, explained recommendations from a loaded bundle.

    Built once per bundle (all request-independent work happens in ``__init__``: constant
    score parts, plain-array copies of the sparse lookups, answer fields), then read-only:
    safe to share between threads. See :mod:`recsvc.recommend` for strategies.
    """

    def __init__(
        self,
        state: ModelState,
        *,
        manifest: Any = None,
        version: str = "unversioned",
        fallback_language: str | None = DEFAULT_FALLBACK_LANGUAGE,
        directory: Directory | None = None,
        peer_min_group: int = MIN_GROUP,
        catalogue_meta: CatalogueMeta | None = None,
        exposure_floor: ExposureFloor | None = None,
    ):
        state.check()
        self.state = state
        #: managers and volunteer mentors (empty for bundles that carry none)
        self.directory = directory or Directory.empty(len(state.employees))
        #: roles, skills and content with their metadata, for discovery (GET /roles, ...)
        self.catalogue = Catalogue(state, catalogue_meta or CatalogueMeta.empty(state))
        self.fallback_language = fallback_language
        self.manifest = manifest
        self.model_version = str(getattr(manifest, "version", version))
        self.capabilities = state.capabilities
        self.features = FeatureBuilder(state)
        # request-independent work, done once here so a request touches plain arrays only
        self.engagement = Engagement(state, self.features)
        self.values = self.features.values
        self.finish = self.features.finish
        self._rules = RuleTables.from_state(state)
        self._languages = frozenset(tag for tag in self._rules.by_language if tag)
        #: fewest people behind any peer figure in reasons (never below 5)
        self.peer_min_group = check_min_group(peer_min_group)
        #: per-employee emphasis on learning value (equal access); None: off
        self.exposure_floor = exposure_floor
        self._explain = ExplainTables.from_state(state, self.peer_min_group)
        self._text_terms = text_by_term(state.text)
        self._by_skill = (
            state.content_skill_weight.T.tocsr(),
            state.content_skill_level.T.tocsr(),
        )
        self._diversity = diversity_vectors(state.content_skill_weight, state.content_format)
        durations = np.asarray(state.content_duration, dtype=np.float32)
        self._durations = np.nan_to_num(durations)  # unknown: takes no time of a budget
        codes = np.asarray(state.content_format).tolist()
        self._answer_format = [CONTENT_FORMATS[c] if c >= 0 else None for c in codes]
        self._answer_duration = [
            d if math.isfinite(d) else None for d in durations.astype(float).tolist()
        ]
        self._formats = frozenset(
            CONTENT_FORMATS[c] for c in np.unique(state.content_format) if c >= 0
        )
        self.careers = CareerPaths(state)
        self.planner = Planner(state, self.values, self.finish)
        self.audiences = Audiences(state, self.directory.manager)

    @classmethod
    def from_bundle(
        cls,
        bundle: Any,
        *,
        fallback_language: str | None = DEFAULT_FALLBACK_LANGUAGE,
        peer_min_group: int = MIN_GROUP,
        exposure_floor: Mapping[str, object] | None = None,
    ) -> Recommender:
        """Build from a ``recsvc.bundle.Bundle``; BundleIntegrityError if parts are missing.

        ``exposure_floor`` is the document ``recsvc report fairness --floor-out`` writes.
        """
        state = ModelState.from_bundle(bundle)
        floor = (
            ExposureFloor.from_document(exposure_floor, state.employees)
            if exposure_floor is not None
            else None
        )
        return cls(
            state,
            manifest=bundle.manifest,
            fallback_language=fallback_language,
            peer_min_group=peer_min_group,
            exposure_floor=floor,
            directory=Directory.from_bundle(bundle, len(state.employees)),
            catalogue_meta=CatalogueMeta.from_bundle(bundle, state),
        )

    # validation helpers for the service
    def has_role(self, role_id: str) -> bool:
        return role_id in self.state.roles

    def has_skill(self, skill_id: str) -> bool:
        return skill_id in self.state.skills

    def has_content(self, content_id: str) -> bool:
        return content_id in self.state.content

    def has_employee(self, employee_id: str) -> bool:
        return employee_id in self.state.employees

    @property
    def known_formats(self) -> frozenset[str]:
        return self._formats

    @property
    def known_languages(self) -> frozenset[str]:
        return frozenset(self.state.languages)

    @property
    def role_ids(self) -> tuple[str, ...]:
        return self.state.roles.ids

    def recommend(self, query: Query) -> Recommendations:
        """Top ``query.k`` items for one employee, by the query's objective, with reasons.

        Ids the model does not know (roles, skills, content, languages) are ignored for what
        they cannot inform and named in the answer's ``warnings`` (see
        :mod:`recsvc.recommend.tolerance`); unknown employees get a cold-start answer.
        """
        query, warnings = known_query(self.state, query, self.model_version, self._languages)
        recs = self._recommend_known(query)
        return dataclasses.replace(recs, warnings=warnings) if warnings else recs

    def _recommend_known(self, query: Query) -> Recommendations:
        st = self.state
        signals = build_signals(st, query.employee_id, query.context, text_terms=self._text_terms)
        # content dropped halfway closes nothing: value counts what the person finishes
        finish = self.finish.probability(signals.current)
        value = self.values.values(signals.need) * finish
        logits, cf = self.engagement.logits(signals, value)
        chance = Chance(logits, st.params.engagement_slope, st.params.engagement_intercept)
        ok = allowed_items(st, signals, query, self._rules, fallback=self.fallback_language)
        if not query.include_refreshers:
            ok &= ~self.values.tested_out(signals.need)
        k = max(0, int(query.k))
        if k == 0 or not ok.any():
            return Recommendations(query.employee_id, self.model_version, signals.strategy, ())
        budget = query.context.time_budget_minutes
        if budget is not None and query.objective == "need":
            # the most learning value that fits the time, not the list cut where it runs out
            ok = restrict_to_best_fit(ok, value, self._durations, budget, k)
        floor = self.exposure_floor.of(signals.employee_idx) if self.exposure_floor else 0.0
        ranked = rank_items(
            ok,
            value,
            chance,
            objective=query.objective,
            k=k * FLOOR_POOL if floor > 0 else k,
            diversity=query.diversity,
            vectors=self._diversity,
            durations=self._durations,
            budget=query.context.time_budget_minutes,
            pick_need=lambda pool, boost, k, budget: greedy_list(
                self.values,
                signals.need,
                pool,
                finish,
                boost,
                k=k,
                durations=self._durations,
                budget=budget,
            ),
        )
        if floor > 0:  # equal access: re-rank the policy's pool toward learning value
            ranked = rerank(ranked, value, k, floor)
        chosen = ranked.items
        if query.explain:
            cf_positive = (cf[chosen] > 0).tolist() if cf is not None else [False] * len(chosen)
            reasons = explain_items(
                st,
                self._explain,
                self.values,
                signals,
                chosen,
                cf_positive,
                ranked.has_value.tolist(),
            )
        else:
            reasons = [()] * len(chosen)
        ids, titles = st.content.ids, st.titles
        fmt, dur = self._answer_format, self._answer_duration
        items = tuple(
            RecommendedItem(
                content_id=ids[item],
                title=titles[item],
                format=fmt[item],
                duration_minutes=dur[item],
                score=round(score, 6),
                rank=rank,
                reasons=why,
                learning_value=round(val, 4),
                engagement=round(prob, 4),
            )
            for rank, (item, score, why, val, prob) in enumerate(
                zip(
                    chosen.tolist(),
                    ranked.scores.tolist(),
                    reasons,
                    np.where(ranked.has_value, value[chosen], 0.0).tolist(),
                    (chance.at(chosen) * finish[chosen]).tolist(),
                    strict=True,
                ),
                start=1,
            )
        )
        return Recommendations(query.employee_id, self.model_version, signals.strategy, items)

    def recommend_batch(self, queries: Sequence[Query]) -> list[Recommendations]:
        """Same answers as calling :meth:`recommend` for each query, in order."""
        return [self.recommend(q) for q in queries]

    def skill_gaps(
        self,
        employee_id: str,
        *,
        target_role_id: str | None = None,
        role_id: str | None = None,
        content_per_gap: int = 3,
    ) -> list[SkillGap]:
        """The gaps of :meth:`skill_gap_report` (without the roles used and the warnings)."""
        report = self.skill_gap_report(
            employee_id,
            target_role_id=target_role_id,
            role_id=role_id,
            content_per_gap=content_per_gap,
        )
        return list(report.gaps)

    def skill_gap_report(
        self,
        employee_id: str,
        *,
        target_role_id: str | None = None,
        role_id: str | None = None,
        content_per_gap: int = 3,
    ) -> SkillGapReport:
        """Current vs required level per skill with a gap, largest weighted gap first.

        The roles default to the employee's role and target role in the bundle; the report
        names the ones used. A role the model does not know is ignored (as if not given)
        with a warning. Unknown employees need a known ``role_id``, otherwise
        UnknownEmployeeError. A skill without evidence (any skill of a newcomer, or a
        target-role skill nobody assessed) starts at the role prior: the level a typical
        member of the role has, shrunk toward the role's requirement, not at zero; so gaps
        of a newcomer are the typical shortfalls of the role. Without the skills
        capability (no skills/content_skills/role_skills data) the list is empty. Each gap
        lists up to ``content_per_gap`` active items that teach the skill one step above the
        current level.
        """
        st = self.state
        e = st.employees.get(employee_id)
        warnings: list[InputWarning] = []
        given = {"role_id": role_id, "target_role_id": target_role_id}
        for name, stored in (
            ("role_id", st.employee_role),
            ("target_role_id", st.employee_target_role),
        ):
            value = given[name]
            if value is not None and value not in st.roles:
                given[name] = None
                idx = int(stored[e]) if e >= 0 else -1
                fallback = st.roles.id_of(idx) if idx >= 0 else None
                warnings.append(role_warning(name, value, self.model_version, fallback=fallback))
        role_id, target_role_id = given["role_id"], given["target_role_id"]
        if e < 0 and role_id is None:
            unknown_role = " (the role_id given is not in the model either)" if warnings else ""
            raise UnknownEmployeeError(
                f"employee {employee_id!r} is not in the model{unknown_role}; pass the role_id "
                "of a known role (GET /roles) to see the gaps of someone new in that role"
            )
        s = build_signals(st, employee_id, Context(role_id=role_id, target_role_id=target_role_id))
        used_role = st.roles.id_of(s.role_idx) if s.role_idx >= 0 else None
        used_target = st.roles.id_of(s.target_role_idx) if s.target_role_idx >= 0 else None
        gaps = self._gaps(s, content_per_gap) if len(st.skills) else ()
        return SkillGapReport(employee_id, used_role, used_target, gaps, tuple(warnings))

    def _gaps(self, s: UserSignals, content_per_gap: int) -> tuple[SkillGap, ...]:
        st = self.state
        required = np.maximum(s.required_role, s.required_target)
        order = np.flatnonzero(s.gap > 0)
        order = order[np.lexsort((order, -s.gap_weight[order]))]
        cs_t, lv_t = self._by_skill
        active = np.asarray(st.content_active, dtype=bool) & ~s.excluded
        out = []
        for sk in order:
            lo, hi = cs_t.indptr[sk], cs_t.indptr[sk + 1]
            items = cs_t.indices[lo:hi]
            gain = expected_gain(self.values.curve, np.rint(lv_t.data[lo:hi]) - s.current[sk])
            fit = gain * cs_t.data[lo:hi] * active[items]
            best = [int(items[j]) for j in top_k(fit, content_per_gap) if fit[j] > 0]
            out.append(
                SkillGap(
                    skill_id=st.skills.id_of(int(sk)),
                    skill_name=st.skill_names[int(sk)],
                    current_level=round(float(s.current[sk]), 3),
                    required_level=round(float(required[sk]), 3),
                    gap=round(float(s.gap[sk]), 3),
                    weight=round(float(s.gap_weight[sk]), 4),
                    content_ids=tuple(st.content.id_of(i) for i in best),
                    level_uncertainty=round(float(s.level_sd[sk]), 3),
                    evidence=EVIDENCE_NAMES[int(s.evidence[sk])],
                )
            )
        return tuple(out)

    def next_roles(self, employee_id: str, k: int = 3, *, role_id: str | None = None) -> NextRoles:
        """Likely next roles, readiness and gaps (:mod:`recsvc.recommend.careers.next_roles`)."""
        return self.careers.next_roles(employee_id, k, role_id=role_id)

    def audience(
        self,
        *,
        content_id: str | None = None,
        skill_id: str | None = None,
        filters: AudienceFilters | None = None,
        offset: int = 0,
        limit: int = 50,
    ) -> AudiencePage:
        """Who most needs an item or a skill (:mod:`recsvc.recommend.careers.audience`)."""
        return self.audiences.audience(
            content_id=content_id, skill_id=skill_id, filters=filters, offset=offset, limit=limit
        )

    def plan(
        self,
        employee_id: str,
        goal: Goal,
        *,
        weekly_minutes: float,
        horizon_weeks: int | None = None,
        role_id: str | None = None,
    ) -> Plan:
        """A development plan toward ``goal`` (:mod:`recsvc.recommend.careers.plan`)."""
        return self.planner.plan(
            employee_id,
            goal,
            weekly_minutes=weekly_minutes,
            horizon_weeks=horizon_weeks,
            role_id=role_id,
        )

    def similar(self, content_id: str, k: int = 10) -> list[SimilarItem]:
        """Active items most similar in content to ``content_id`` (UnknownContentError)."""
        st = self.state
        i = st.content.get(content_id)
        if i < 0:
            raise UnknownContentError(
                f"content {content_id!r} is not in the model (it may be newer than the last "
                "training); GET /content lists the known ones"
            )
        out = []
        for j, score in zip(st.similar_idx[i], st.similar_score[i], strict=True):
            if j < 0 or not st.content_active[j]:
                continue
            # stored as float32: round so the answer says 0.7123, not 0.7123456789
            out.append(
                SimilarItem(st.content.id_of(int(j)), st.titles[int(j)], round(float(score), 4))
            )
            if len(out) >= k:
                break
        return out
