"""Pydantic schemas of the operational answers: model info, probes, reload and problems."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "HealthResponse",
    "ModelInfo",
    "Problem",
    "ProblemFieldError",
    "ReadyResponse",
    "ReloadError",
    "ReloadResponse",
    "VariantInfo",
    "VariantReload",
]


class ReloadError(BaseModel):
    """The last bundle that was refused, and why."""

    version: str | None = Field(description="Version named by LATEST when it failed.")
    detail: str = Field(description="Why the bundle was refused.")
    at: datetime = Field(description="When (UTC).")


class VariantInfo(BaseModel):
    """One A/B variant: its share of employees and the bundle it serves."""

    name: str = Field(description="Variant name (answers carry it).", examples=["default"])
    share: float = Field(ge=0, le=1, description="Fraction of employees assigned to it.")
    model_version: str | None = Field(description="Bundle it serves; null until one loads.")
    loaded_at: datetime | None = Field(description="When it was loaded (UTC).")
    last_reload_error: ReloadError | None = Field(description="Its last refused bundle.")


class ModelInfo(BaseModel):
    """The bundle being served."""

    version: str = Field(description="Bundle version.", examples=["20250101T000000Z-abc1234"])
    created_at: datetime | None = Field(description="When the bundle was trained (UTC).")
    schema_version: int | None = Field(description="Bundle schema version.")
    capabilities: list[str] = Field(description="What this bundle can do (cf, skills, ...).")
    metrics: dict[str, Any] = Field(description="Offline evaluation metrics at training.")
    params: dict[str, Any] = Field(description="Training parameters.")
    row_counts: dict[str, int] = Field(description="Rows per input table at training.")
    loaded_at: datetime = Field(description="When this service loaded the bundle (UTC).")
    last_reload_error: ReloadError | None = Field(description="Last refused bundle, if any.")
    variants: list[VariantInfo] = Field(
        description="Every A/B variant served (RECSVC_VARIANTS), the first being the one "
        "described above; one variant, default, when none is configured."
    )


class HealthResponse(BaseModel):
    """The process is alive."""

    status: Literal["ok"] = Field(description="Always ok.")


class ReadyResponse(BaseModel):
    """A bundle is loaded and requests can be answered."""

    status: Literal["ready"] = Field(description="Always ready (else 503).")
    model_version: str = Field(description="Bundle version being served.")
    last_reload_error: ReloadError | None = Field(description="Last refused bundle, if any.")


class VariantReload(BaseModel):
    """Outcome of a reload for one A/B variant."""

    name: str = Field(description="Variant name.", examples=["default"])
    status: Literal["reloaded", "unchanged"] = Field(description="Whether a swap happened.")
    model_version: str = Field(description="Version it serves after the call.")
    previous_version: str | None = Field(description="Version it served before the call.")


class ReloadResponse(BaseModel):
    """Outcome of a reload: the new version, or unchanged."""

    status: Literal["reloaded", "unchanged"] = Field(description="Whether a swap happened.")
    model_version: str = Field(description="Version served after the call.")
    previous_version: str | None = Field(description="Version served before the call.")
    variants: list[VariantReload] = Field(
        description="Every variant's outcome (the first is the one described above)."
    )


class ProblemFieldError(BaseModel):
    """One invalid field of a 422 answer."""

    field: str = Field(description="Dotted path of the field.", examples=["context.role_id"])
    loc: list[str | int] = Field(description="Full location, e.g. [body, context, role_id].")
    msg: str = Field(description="What is wrong and how to fix it.")
    type: str = Field(description="Machine-readable error type.", examples=["unknown_role"])


class Problem(BaseModel):
    """RFC 9457 problem details; every error answer has this shape."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "type": "urn:recsvc:problem:validation-error",
                    "title": "Request validation failed",
                    "status": 422,
                    "detail": "1 invalid field: k (Input should be greater than or equal to 1)",
                    "instance": "/recommend",
                    "request_id": "1b4e28ba2fa1",
                    "errors": [
                        {
                            "field": "k",
                            "loc": ["body", "k"],
                            "msg": "Input should be greater than or equal to 1",
                            "type": "greater_than_equal",
                        }
                    ],
                }
            ]
        }
    )

    type: str = Field(description="URI naming the problem type (urn:recsvc:problem:<slug>).")
    title: str = Field(description="Short summary of the problem type.")
    status: int = Field(description="HTTP status code.")
    detail: str = Field(description="What went wrong in this request and how to fix it.")
    instance: str = Field(description="Path of the request that failed.")
    request_id: str | None = Field(None, description="Request id, for support.")
    errors: list[ProblemFieldError] | None = Field(None, description="Invalid fields (422 only).")
