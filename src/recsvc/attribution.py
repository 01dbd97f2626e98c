"""Recommendation ids that carry their own attribution: the variant and model that served them.

The service stays stateless: it keeps no log of what it served. Instead every answer's id
names the A/B variant and the bundle version behind it, so events that quote the id (clicks,
enrolments, completions) can be grouped per variant and model version from the events
alone. Format: ``r1:<variant>:<model_version>:<16 hex digits>``; ``:`` appears in neither a
variant name nor a bundle version, so the id splits unambiguously.
"""

from __future__ import annotations

import re
import secrets
from typing import NamedTuple

__all__ = [
    "DEFAULT_VARIANT",
    "VARIANT_PATTERN",
    "Attribution",
    "new_recommendation_id",
    "parse_recommendation_id",
]

ID_PREFIX = "r1"
DEFAULT_VARIANT = "default"
#: A variant name: short, lower case, safe in ids, metrics labels and URLs.
VARIANT_PATTERN = re.compile(r"[a-z0-9][a-z0-9_-]{0,31}")
_ID_PATTERN = re.compile(
    rf"{ID_PREFIX}:(?P<variant>{VARIANT_PATTERN.pattern}):"
    r"(?P<model_version>[0-9A-Za-z][0-9A-Za-z._-]{0,127}):(?P<nonce>[0-9a-f]{16})"
)


class Attribution(NamedTuple):
    """What a recommendation id says about the answer that carried it."""

    variant: str
    model_version: str


def new_recommendation_id(variant: str, model_version: str) -> str:
    """A fresh id for one answer of ``variant`` served from bundle ``model_version``."""
    if VARIANT_PATTERN.fullmatch(variant) is None:
        raise ValueError(f"invalid variant name {variant!r}: use {VARIANT_PATTERN.pattern}")
    rid = f"{ID_PREFIX}:{variant}:{model_version}:{secrets.token_hex(8)}"
    if _ID_PATTERN.fullmatch(rid) is None:
        raise ValueError(f"invalid model version {model_version!r} for a recommendation id")
    return rid


def parse_recommendation_id(recommendation_id: str) -> Attribution | None:
    """The variant and model version of an id made here; None for anything else."""
    match = _ID_PATTERN.fullmatch(recommendation_id)
    if match is None:
        return None
    return Attribution(match["variant"], match["model_version"])
