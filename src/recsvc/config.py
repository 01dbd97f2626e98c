"""Typed service settings from ``RECSVC_*`` environment variables; no module-level instance."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

__all__ = ["MIN_KEY_LENGTH", "ServeSettings"]

# Shorter keys are guessable; the service refuses to start with one rather than run unsafe.
MIN_KEY_LENGTH = 16

LogLevel = Literal["critical", "error", "warning", "info", "debug"]


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
    api_keys: Annotated[tuple[SecretStr, ...], NoDecode] = Field(
        (),
        description="Comma-separated API keys; when set, every data route needs one.",
    )
    admin_key: SecretStr | None = Field(
        None, description="Key for POST /admin/reload; unset means the endpoint answers 404."
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

    @field_validator("api_keys", mode="before")
    @classmethod
    def _split_keys(cls, value: object) -> object:
        """Accept the comma-separated form operators put in one environment variable."""
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("api_keys")
    @classmethod
    def _check_keys(cls, keys: tuple[SecretStr, ...]) -> tuple[SecretStr, ...]:
        for key in keys:
            _check_key(key, "RECSVC_API_KEYS")
        return keys

    @field_validator("admin_key")
    @classmethod
    def _check_admin_key(cls, key: SecretStr | None) -> SecretStr | None:
        if key is not None and key.get_secret_value() == "":
            return None
        if key is not None:
            _check_key(key, "RECSVC_ADMIN_KEY")
        return key

    @model_validator(mode="after")
    def _check_k(self) -> ServeSettings:
        if self.default_k > self.max_k:
            raise ValueError(
                f"RECSVC_DEFAULT_K ({self.default_k}) exceeds RECSVC_MAX_K ({self.max_k}); "
                "lower the default or raise the maximum"
            )
        return self


def _check_key(key: SecretStr, name: str) -> None:
    """Refuse short or oddly formed keys; the message never echoes the key."""
    secret = key.get_secret_value()
    if len(secret) < MIN_KEY_LENGTH:
        raise ValueError(f"every key in {name} needs at least {MIN_KEY_LENGTH} characters")
    if not secret.isascii() or not secret.isprintable() or " " in secret:
        raise ValueError(f"keys in {name} must be printable ASCII without spaces")
