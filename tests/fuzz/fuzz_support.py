"""Constants shared by the fuzz fixtures and tests (conftest modules are not importable)."""

from __future__ import annotations

API_KEY = "fuzz-api-key-0123456789"
ADMIN_KEY = "fuzz-admin-key-0123456789"
