"""The API's routers, one module per resource; app.py includes them in this order."""

from __future__ import annotations

from fastapi import APIRouter

from recsvc.service.routes import (
    admin,
    audience,
    careers,
    catalogue,
    content,
    employees,
    erasure,
    events,
    explorer,
    health,
    mentors,
    model,
    plan,
    recommend,
    teams,
)

__all__ = ["ROUTERS"]

ROUTERS: tuple[APIRouter, ...] = (
    recommend.router,
    employees.router,
    careers.router,
    plan.router,
    audience.router,
    content.router,
    catalogue.router,
    mentors.router,
    teams.router,
    model.router,
    health.router,
    admin.router,
    events.router,
    erasure.router,
    explorer.router,
)
