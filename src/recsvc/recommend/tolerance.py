"""Unknown ids in a request: ignored for what they cannot inform, each named in a warning.

Roles, skills and courses created in the HR system or LMS after the last training are not
in the bundle. Refusing the whole request for one of them (as the service once did) leaves
the LMS with nothing; instead every part of the request the model does not know is dropped
as if it had not been sent, the answer is made from the rest, and an :class:`InputWarning`
says what was dropped and what was used instead. Choices, stated once:

- ``context.role_id`` / ``context.target_role_id`` unknown: as if not given, so the
  employee's role (target role) in the bundle applies, if any.
- skill ids (``context.project.skill_ids``, ``context.recent_assessments``) unknown: those
  entries are dropped; the project text and the other entries still count.
- content ids (``context.recent_content_ids``, ``filters.exclude_content_ids``) unknown:
  dropped (the model cannot recommend content it does not know anyway).
- ``context.language`` with no content in that language: as if not given (the employee's
  own language and the fallback language apply).
- ``filters.languages``: a hard filter stays one. Unknown entries match nothing; when no
  listed language has content, the answer is empty and the warning says why.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Collection, Sequence

from recsvc.language import primary_language
from recsvc.recommend.query import InputWarning, Project, Query
from recsvc.recommend.state import ModelState

__all__ = ["HINTS", "known_query", "role_warning"]

#: where a client finds the ids the model knows, per kind of id
HINTS = {
    "role": "GET /roles lists the known ones",
    "skill": "GET /skills lists the known ones",
    "content": "GET /content lists the known ones",
    "language": "GET /content?language=... shows what there is",
}
_SHOWN = 5  # ids quoted in one warning's text; the count says how many in all


def _quoted(ids: Sequence[str]) -> str:
    shown = ", ".join(repr(i) for i in ids[:_SHOWN])
    return shown + (f" and {len(ids) - _SHOWN} more" if len(ids) > _SHOWN else "")


def _newer(version: str, kind: str) -> str:
    return f"not in model {version} (it may be newer than the last training; {HINTS[kind]})"


def role_warning(field: str, role_id: str, version: str, *, fallback: str | None) -> InputWarning:
    """The warning for an unknown role in ``field``; ``fallback`` is the role used instead."""
    target = field.endswith("target_role_id")
    code = "unknown_target_role" if target else "unknown_role"
    kind = "target role" if target else "role"
    instead = (
        f"answered with the employee's {kind} in the model ({fallback!r}) instead"
        if fallback is not None
        else f"answered without a {kind}"
    )
    name = field.rsplit(".", 1)[-1]
    return InputWarning(code, field, f"{name} {role_id!r} is {_newer(version, 'role')}: {instead}")


def _unknown(ids: Sequence[str], known: Callable[[str], bool]) -> list[str]:
    return [i for i in dict.fromkeys(ids) if not known(i)]


def known_query(
    state: ModelState, query: Query, version: str, languages: Collection[str]
) -> tuple[Query, tuple[InputWarning, ...]]:
    """``query`` without the ids ``state`` does not know, and a warning for each field cut.

    ``languages`` are the primary subtags of the catalogue's languages (``en``, ``de``).
    The query comes back unchanged (the same object) when everything in it is known.
    """
    ctx, flt = query.context, query.filters
    warnings: list[InputWarning] = []
    e = state.employees.get(query.employee_id)
    context_changes: dict[str, object] = {}
    for field, stored in (
        ("role_id", state.employee_role),
        ("target_role_id", state.employee_target_role),
    ):
        given = getattr(ctx, field)
        if given is None or given in state.roles:
            continue
        context_changes[field] = None
        idx = int(stored[e]) if e >= 0 else -1
        fallback = state.roles.id_of(idx) if idx >= 0 else None
        warnings.append(role_warning(f"context.{field}", given, version, fallback=fallback))

    def skill_known(skill_id: str) -> bool:
        return skill_id in state.skills

    def content_known(content_id: str) -> bool:
        return content_id in state.content

    if ctx.project is not None:
        bad = _unknown(ctx.project.skill_ids, skill_known)
        if bad:
            kept = tuple(s for s in ctx.project.skill_ids if skill_known(s))
            context_changes["project"] = Project(skill_ids=kept, text=ctx.project.text)
            warnings.append(
                InputWarning(
                    "unknown_skill",
                    "context.project.skill_ids",
                    f"project skill(s) {_quoted(bad)} {_newer(version, 'skill')}: ignored; "
                    "the project's other skills and its text still count",
                )
            )
    bad = _unknown([a.skill_id for a in ctx.recent_assessments], skill_known)
    if bad:
        context_changes["recent_assessments"] = tuple(
            a for a in ctx.recent_assessments if skill_known(a.skill_id)
        )
        warnings.append(
            InputWarning(
                "unknown_skill",
                "context.recent_assessments",
                f"assessment(s) of skill(s) {_quoted(bad)} {_newer(version, 'skill')}: "
                "ignored; the other assessments still count",
            )
        )
    bad = _unknown(ctx.recent_content_ids, content_known)
    if bad:
        context_changes["recent_content_ids"] = tuple(
            c for c in ctx.recent_content_ids if content_known(c)
        )
        warnings.append(
            InputWarning(
                "unknown_content",
                "context.recent_content_ids",
                f"content {_quoted(bad)} {_newer(version, 'content')}: ignored; the other "
                "completions still count",
            )
        )
    if ctx.language and primary_language(ctx.language) not in languages:
        context_changes["language"] = None
        warnings.append(
            InputWarning(
                "unknown_language",
                "context.language",
                f"no content of model {version} is in language {ctx.language!r} "
                f"({HINTS['language']}): answered with the employee's own language "
                "and the fallback language instead",
            )
        )
    filter_changes: dict[str, object] = {}
    bad = _unknown(flt.exclude_content_ids, content_known)
    if bad:
        filter_changes["exclude_content_ids"] = tuple(
            c for c in flt.exclude_content_ids if content_known(c)
        )
        warnings.append(
            InputWarning(
                "unknown_content",
                "filters.exclude_content_ids",
                f"content {_quoted(bad)} {_newer(version, 'content')}: it is never "
                "recommended anyway",
            )
        )
    bad = [x for x in dict.fromkeys(flt.languages) if primary_language(x) not in languages]
    if bad:
        nothing_left = len(bad) == len(set(flt.languages))
        outcome = (
            "the filter matches no content, so the answer is empty"
            if nothing_left
            else "only the other languages match"
        )
        warnings.append(
            InputWarning(
                "unknown_language",
                "filters.languages",
                f"no content of model {version} is in language(s) {_quoted(bad)} "
                f"({HINTS['language']}): {outcome}",
            )
        )
    if not warnings:
        return query, ()
    if context_changes:
        query = dataclasses.replace(query, context=dataclasses.replace(ctx, **context_changes))  # type: ignore[arg-type]
    if filter_changes:
        query = dataclasses.replace(query, filters=dataclasses.replace(flt, **filter_changes))  # type: ignore[arg-type]
    return query, tuple(warnings)
