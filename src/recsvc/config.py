"""Typed service settings from ``RECSVC_*`` environment variables; no module-level instance."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from recsvc.attribution import VARIANT_PATTERN
from recsvc.keys import KeyEntry, parse_key_entries, parse_key_entry

__all__ = ["ServeSettings", "VariantSpec", "parse_variants"]

# an origin is scheme://host[:port], nothing more: CORS compares it verbatim
_ORIGIN = re.compile(r"https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?")

# a BCP 47 language tag as the catalogue writes them: en, en-GB, pt-BR, zh-Hant-TW
_LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*")

LogLevel = Literal["critical", "error", "warning", "info", "debug"]


@dataclass(frozen=True)
class VariantSpec:
    """One A/B variant: its name, its share of employees and the models folder it serves."""

    name: str
    share: float
    models_dir: Path


def parse_variants(value: str) -> tuple[VariantSpec, ...]:
    """``name:share:models_dir`` entries separated by commas (the folder may hold colons)."""
    out: list[VariantSpec] = []
    for entry in (part.strip() for part in value.split(",")):
        if not entry:
            continue
        name, _, rest = entry.partition(":")
        share_text, _, folder = rest.partition(":")
        try:
            share = float(share_text)
        except ValueError:
            share = float("nan")
        if (
            not VARIANT_PATTERN.fullmatch(name)
            or not folder
            or not (share > 0)
            or share == float("inf")
        ):
            raise ValueError(
                f"RECSVC_VARIANTS entry {entry!r} is not name:share:models_dir (name of "
                f"{VARIANT_PATTERN.pattern}, share a number above 0, e.g. "
                "control:0.9:models/control)"
            )
        out.append(VariantSpec(name, share, Path(folder)))
    names = [v.name for v in out]
    if len(set(names)) != len(names):
        raise ValueError(f"RECSVC_VARIANTS names a variant twice: {names}")
    return tuple(out)


class ServeSettings(BaseSettings):
    """Settings of the HTTP service; validated once at start-up, then read-only.

    Every limit the API enforces lives here so operators can tune it without code changes;
    ``docs/api.md`` lists the variables.
    """

    model_config = SettingsConfigDict(
        env_prefix="RECSVC_", frozen=True, extra="ignore", hide_input_in_errors=True
    )

    models_dir: Path = Field(
        Path("models"),
        description="Models folder holding <version>/ bundles and a LATEST file, or one bundle.",
    )
    host: str = Field("127.0.0.1", description="Bind address.")
    port: int = Field(8000, ge=0, le=65535, description="TCP port (0 picks a free one).")
    workers: int = Field(1, ge=1, le=64, description="uvicorn worker processes.")
    log_level: LogLevel = Field("info", description="Log level of the service loggers.")
    api_keys: Annotated[tuple[KeyEntry, ...], NoDecode] = Field(
        (),
        description="Comma-separated name:sha256hex pairs (hashes of the keys, made with "
        "`recsvc keys hash`); when set, every data route needs one of the keys.",
    )
    admin_key: Annotated[KeyEntry | None, NoDecode] = Field(
        None,
        description="sha256hex (or name:sha256hex) of the key for POST /admin/reload; unset "
        "means the endpoint answers 404.",
    )
    docs: bool = Field(
        False, description="Serve /docs, /redoc and /openapi.json (off: openapi.yaml is the spec)."
    )
    cors_origins: Annotated[tuple[str, ...], NoDecode] = Field(
        (),
        description="Comma-separated browser origins allowed by CORS; unset means CORS is off.",
    )
    max_body_bytes: int = Field(
        256 * 1024, ge=1024, le=64 * 1024 * 1024, description="Largest request body (413 above)."
    )
    default_k: int = Field(10, ge=1, description="Items returned when a request gives no k.")
    max_k: int = Field(100, ge=1, le=10_000, description="Largest k a request may ask for.")
    max_list_items: int = Field(
        1000, ge=1, description="Longest id list in a request (recent ids, exclusions, skills)."
    )
    max_batch_size: int = Field(500, ge=1, description="Most requests in one /recommend/batch.")
    diversity: float = Field(
        0.3, ge=0.0, le=1.0, description="Default MMR trade-off (0 = pure relevance)."
    )
    content_per_gap: int = Field(
        3, ge=0, le=50, description="Content suggested per skill gap on /skill-gaps."
    )
    reload_interval_s: float = Field(
        5.0, ge=0.0, description="Seconds between LATEST polls for a new bundle; 0 disables."
    )
    events_url: str | None = Field(
        "sqlite:///events.sqlite",
        description="SQLAlchemy URL of the event store (POST /events, erasures): a SQLite "
        "file (default events.sqlite in the working directory) or postgresql+psycopg://... "
        "shared by replicas. Empty turns events and erasure off.",
    )
    max_event_batch: int = Field(
        1000, ge=1, le=100_000, description="Most events in one POST /events."
    )
    peer_min_group: int = Field(
        5,
        ge=5,
        description="Fewest people behind any peer figure in reasons ('taken by 40% of "
        "people in your role') and in team views (/teams/{manager_id}/skills); never below "
        "5, so no answer reveals one person's activity.",
    )
    explorer: bool = Field(
        False,
        description="Serve the read-only explorer pages under /explorer (needs "
        "RECSVC_ADMIN_KEY: only holders of the admin key may sign in).",
    )
    report_dir: Path | None = Field(
        None,
        description="Folder `recsvc report` writes to (impact, fairness, skills); the "
        "explorer shows the plots it finds there and in its direct subfolders.",
    )
    exposure_floor_file: Path | None = Field(
        None,
        description="JSON of per-employee emphasis on learning value written by `recsvc "
        "report fairness --floor-out` (equal access across audit groups); unset: no floor.",
    )
    fallback_language: str | None = Field(
        "en",
        description="Language whose content is acceptable to everyone besides their own. The "
        "employee's own language (from the bundle, normalised as BCP 47, so en-GB matches "
        "en) is the default language preference; content in this language is also "
        "acceptable. Empty means no fallback: only the employee's own language.",
    )

    variants: Annotated[tuple[VariantSpec, ...], NoDecode] = Field(
        (),
        description="A/B variants served side by side: comma-separated name:share:models_dir "
        "(control:0.9:models/control,candidate:0.1:models/candidate). Each employee is "
        "assigned one variant for good (a hash of their id and RECSVC_VARIANT_SALT), shares "
        "being relative weights. Unset: one variant, default, serving RECSVC_MODELS_DIR.",
    )
    variant_salt: str = Field(
        "recsvc",
        min_length=1,
        description="Salt of the variant assignment; changing it reshuffles everyone.",
    )

    @field_validator("variants", mode="before")
    @classmethod
    def _parse_variants(cls, value: object) -> object:
        if isinstance(value, str):
            return parse_variants(value)
        return value

    @field_validator("api_keys", mode="before")
    @classmethod
    def _parse_keys(cls, value: object) -> object:
        """Accept the comma-separated ``name:sha256hex`` form of the environment variable."""
        if isinstance(value, str):
            return parse_key_entries(value, variable="RECSVC_API_KEYS")
        return value

    @field_validator("admin_key", mode="before")
    @classmethod
    def _parse_admin_key(cls, value: object) -> object:
        if isinstance(value, str):
            if not value.strip():
                return None
            return parse_key_entry(value, variable="RECSVC_ADMIN_KEY", default_name="admin")
        return value

    @field_validator("events_url", mode="before")
    @classmethod
    def _parse_events_url(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @field_validator("fallback_language", mode="before")
    @classmethod
    def _parse_language(cls, value: object) -> object:
        if isinstance(value, str):
            value = value.strip()
            if not value:
                return None
            if not _LANGUAGE_TAG.fullmatch(value):
                raise ValueError(
                    f"RECSVC_FALLBACK_LANGUAGE holds {value!r}, which is not a language tag "
                    "like en or en-GB; set one, or set it empty for no fallback"
                )
        return value

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _parse_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("cors_origins")
    @classmethod
    def _check_origins(cls, origins: tuple[str, ...]) -> tuple[str, ...]:
        for origin in origins:
            if not _ORIGIN.fullmatch(origin):
                raise ValueError(
                    f"RECSVC_CORS_ORIGINS holds {origin!r}, which is not an origin like "
                    "https://lms.example.com (no wildcards, paths or trailing slashes)"
                )
        return origins

    @model_validator(mode="after")
    def _check_k(self) -> ServeSettings:
        if self.default_k > self.max_k:
            raise ValueError(
                f"RECSVC_DEFAULT_K ({self.default_k}) exceeds RECSVC_MAX_K ({self.max_k}); "
                "lower the default or raise the maximum"
            )
        return self
