"""Language tags compared the way people mean them: ``en-GB`` content suits an ``en`` reader."""

from __future__ import annotations

__all__ = ["primary_language"]


def primary_language(tag: str | None) -> str:
    """The primary subtag of a BCP 47 tag, lower-cased (``"en-GB"`` -> ``"en"``; None -> "")."""
    if not tag:
        return ""
    return tag.strip().replace("_", "-").split("-", 1)[0].lower()
