"""ServeSettings: environment parsing, safe defaults, unsafe values refused without echoing them."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from recsvc.config import ServeSettings


def test_defaults():
    settings = ServeSettings()
    assert settings.models_dir == Path("models")
    assert (settings.host, settings.port, settings.workers) == ("127.0.0.1", 8000, 1)
    assert settings.api_keys == () and settings.admin_key is None
    assert (settings.max_k, settings.default_k, settings.max_body_bytes) == (100, 10, 262144)


def test_environment_is_read(monkeypatch, tmp_path):
    monkeypatch.setenv("RECSVC_MODELS_DIR", str(tmp_path))
    monkeypatch.setenv("RECSVC_PORT", "9001")
    monkeypatch.setenv("RECSVC_API_KEYS", " key-one-0123456789abc , key-two-0123456789abc,")
    monkeypatch.setenv("RECSVC_ADMIN_KEY", "admin-key-0123456789")
    monkeypatch.setenv("RECSVC_MAX_BODY_BYTES", "4096")
    monkeypatch.setenv("RECSVC_RELOAD_INTERVAL_S", "0")
    settings = ServeSettings()
    assert settings.models_dir == tmp_path and settings.port == 9001
    assert [k.get_secret_value() for k in settings.api_keys] == [
        "key-one-0123456789abc",
        "key-two-0123456789abc",
    ]
    assert settings.admin_key is not None
    assert settings.max_body_bytes == 4096 and settings.reload_interval_s == 0
    assert "0123456789" not in repr(settings)


def test_empty_admin_key_means_disabled(monkeypatch):
    monkeypatch.setenv("RECSVC_ADMIN_KEY", "")
    assert ServeSettings().admin_key is None


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("RECSVC_API_KEYS", "short-key", "at least 16"),
        ("RECSVC_API_KEYS", "good-key-0123456789,tiny", "at least 16"),
        ("RECSVC_ADMIN_KEY", "zq7-secret", "at least 16"),
        ("RECSVC_API_KEYS", "key\twith-a-tab-0123456789", "printable ASCII"),
        ("RECSVC_DEFAULT_K", "500", "exceeds RECSVC_MAX_K"),
        ("RECSVC_MAX_BODY_BYTES", "10", "greater than or equal"),
        ("RECSVC_PORT", "70000", "less than or equal"),
        ("RECSVC_LOG_LEVEL", "chatty", "Input should be"),
    ],
)
def test_unsafe_values_are_refused_without_echoing_them(monkeypatch, name, value, message):
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError) as info:
        ServeSettings()
    text = str(info.value)
    assert message in text
    if "KEY" in name:
        assert value not in text and value.split(",")[-1] not in text


def test_settings_are_frozen():
    with pytest.raises(ValidationError):
        ServeSettings().port = 1  # type: ignore[misc]
