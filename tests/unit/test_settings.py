from __future__ import annotations

import base64

import pytest

from espace_sante.settings import Settings

GOOD = {
    "mode": "production",
    "master_key": base64.b64encode(b"k" * 32).decode(),
    "secret_key": "s" * 48,
    "database_url": "postgresql+psycopg://es@db/es",
    "base_url": "https://espace-sante.example",
    "dev_idp_enabled": False,
    "smtp_host": "smtp.example",
}


def test_production_accepts_safe_values() -> None:
    assert Settings(**GOOD).is_production


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"master_key": Settings().master_key}, "master key"),
        ({"secret_key": Settings().secret_key}, "secret key"),
        ({"base_url": "http://espace-sante.example"}, "plain-HTTP"),
        ({"dev_idp_enabled": True}, "identity provider"),
        ({"database_url": "", "sqlite_synchronous": "NORMAL"}, "synchronous=FULL"),
    ],
)
def test_production_refuses_development_values(change: dict[str, object], words: str) -> None:
    with pytest.raises(ValueError, match=words):
        Settings(**{**GOOD, **change})


def test_development_defaults_run() -> None:
    settings = Settings()
    assert not settings.is_production
    assert settings.effective_database_url.startswith("sqlite:///")


def test_master_key_must_be_32_bytes() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        Settings(master_key=base64.b64encode(b"short").decode())


def test_environment_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ESPACE_SANTE_BASE_URL", "http://127.0.0.1:9000")
    assert Settings().base_url == "http://127.0.0.1:9000"
