"""ServeSettings: environment parsing, safe defaults, unsafe values refused without echoing them."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pydantic import ValidationError

from recsvc.config import ServeSettings
from recsvc.keys import hash_api_key

KEY_ONE = "key-one-0123456789abc"
KEY_TWO = "key-two-0123456789abc"
ADMIN = "admin-key-0123456789"


def test_defaults():
    settings = ServeSettings()
    assert settings.models_dir == Path("models")
    assert (settings.host, settings.port, settings.workers) == ("127.0.0.1", 8000, 1)
    assert settings.api_keys == () and settings.admin_key is None
    assert (settings.max_k, settings.default_k, settings.max_body_bytes) == (100, 10, 262144)


def test_environment_is_read(monkeypatch, tmp_path):
    monkeypatch.setenv("RECSVC_MODELS_DIR", str(tmp_path))
    monkeypatch.setenv("RECSVC_PORT", "9001")
    monkeypatch.setenv(
        "RECSVC_API_KEYS", f" lms:{hash_api_key(KEY_ONE)} , hr.portal:{hash_api_key(KEY_TWO)},"
    )
    monkeypatch.setenv("RECSVC_ADMIN_KEY", hash_api_key(ADMIN).upper())
    monkeypatch.setenv("RECSVC_CORS_ORIGINS", "https://lms.example.com, http://localhost:3000")
    monkeypatch.setenv("RECSVC_DOCS", "true")
    monkeypatch.setenv("RECSVC_MAX_BODY_BYTES", "4096")
    monkeypatch.setenv("RECSVC_RELOAD_INTERVAL_S", "0")
    settings = ServeSettings()
    assert settings.models_dir == tmp_path and settings.port == 9001
    assert [(k.name, k.digest.hex()) for k in settings.api_keys] == [
        ("lms", hash_api_key(KEY_ONE)),
        ("hr.portal", hash_api_key(KEY_TWO)),
    ]
    assert settings.admin_key is not None and settings.admin_key.name == "admin"
    assert settings.admin_key.digest.hex() == hash_api_key(ADMIN)
    assert settings.cors_origins == ("https://lms.example.com", "http://localhost:3000")
    assert settings.docs is True
    assert settings.max_body_bytes == 4096 and settings.reload_interval_s == 0
    assert hash_api_key(KEY_ONE) not in repr(settings)


def test_fallback_language(monkeypatch):
    assert ServeSettings().fallback_language == "en"
    monkeypatch.setenv("RECSVC_FALLBACK_LANGUAGE", " en-GB ")
    assert ServeSettings().fallback_language == "en-GB"
    monkeypatch.setenv("RECSVC_FALLBACK_LANGUAGE", "")
    assert ServeSettings().fallback_language is None  # no fallback: own language only


def test_empty_admin_key_means_disabled(monkeypatch):
    monkeypatch.setenv("RECSVC_ADMIN_KEY", "")
    assert ServeSettings().admin_key is None


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        # plain keys are refused: only digests are ever configured
        ("RECSVC_API_KEYS", "plain-key-0123456789", "name:sha256hex"),
        ("RECSVC_API_KEYS", f"lms:{'ab' * 32},tiny:0123abc", "not a sha256 hex digest"),
        ("RECSVC_API_KEYS", f"bad name:{'ab' * 32}", "name:sha256hex"),
        ("RECSVC_API_KEYS", f"lms:{'ab' * 32},lms:{'cd' * 32}", "must be unique"),
        ("RECSVC_ADMIN_KEY", "zq7-secret-0123456789", "not a sha256 hex digest"),
        ("RECSVC_CORS_ORIGINS", "*", "not an origin"),
        ("RECSVC_CORS_ORIGINS", "https://lms.example.com/", "not an origin"),
        ("RECSVC_DEFAULT_K", "500", "exceeds RECSVC_MAX_K"),
        ("RECSVC_MAX_BODY_BYTES", "10", "greater than or equal"),
        ("RECSVC_PORT", "70000", "less than or equal"),
        ("RECSVC_LOG_LEVEL", "chatty", "Input should be"),
        ("RECSVC_FALLBACK_LANGUAGE", "english please", "not a language tag"),
        ("RECSVC_FALLBACK_LANGUAGE", "en_GB", "not a language tag"),
    ],
)
def test_unsafe_values_are_refused_without_echoing_them(monkeypatch, name, value, message):
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError) as info:
        ServeSettings()
    text = str(info.value)
    assert message in text
    if "KEY" in name:
        for part in value.split(","):
            assert part.rpartition(":")[2] not in text


def test_settings_are_frozen():
    with pytest.raises(ValidationError):
        ServeSettings().port = 1  # type: ignore[misc]


def test_settings_exported_for_workers_round_trip_without_raw_keys(tmp_path):
    """`recsvc serve` passes settings to worker processes through RECSVC_* variables."""
    from recsvc.service.server import _export

    original = ServeSettings(
        models_dir=tmp_path,
        api_keys=f"lms:{hash_api_key(KEY_ONE)},hr:{hash_api_key(KEY_TWO)}",
        admin_key=hash_api_key(ADMIN),
        cors_origins="https://lms.example.com",
        docs=True,
        max_k=50,
    )
    _export(original)

    assert all(KEY_ONE not in value and ADMIN not in value for value in os.environ.values())
    assert ServeSettings() == original


@pytest.mark.parametrize("language", [None, "de"])
def test_fallback_language_reaches_workers(tmp_path, language):
    """None (no fallback) must not turn back into the default "en" in a worker."""
    from recsvc.service.server import _export

    original = ServeSettings(models_dir=tmp_path, fallback_language=language)
    _export(original)
    assert ServeSettings() == original
    assert ServeSettings().fallback_language == language
