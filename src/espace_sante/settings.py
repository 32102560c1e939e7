"""Typed settings, read once from ``ESPACE_SANTE_*`` environment variables.

Production mode refuses every development default: a national health service must not
start with a published key, an embedded database without full durability, plain HTTP,
or the built-in identity provider that signs anyone in.
"""

from __future__ import annotations

import base64
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Self

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Development defaults, published on purpose so the demo runs with no set-up.
# Production refuses them (see ``_refuse_unsafe_production``).
DEV_MASTER_KEY = base64.b64encode(b"DEV-ONLY master key espace-sante").decode()
DEV_SECRET_KEY = "dev-only-secret-key-never-use-in-production"  # noqa: S105


class Mode(StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"


class BlobBackend(StrEnum):
    FILESYSTEM = "filesystem"
    S3 = "s3"


class UnsafeSettingsError(ValueError):
    """Raised when production mode meets a development-only value."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ESPACE_SANTE_", frozen=True)

    mode: Mode = Mode.DEVELOPMENT
    data_dir: Path = Path("var")
    database_url: str = ""
    sqlite_synchronous: str = "FULL"
    base_url: str = "http://127.0.0.1:8000"
    secret_key: str = DEV_SECRET_KEY
    master_key: str = DEV_MASTER_KEY

    blob_backend: BlobBackend = BlobBackend.FILESYSTEM
    s3_endpoint_url: str | None = None
    s3_bucket: str = "espace-sante"
    s3_region: str = "eu-west-3"

    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_sender: str = "Espace Santé <ne-pas-repondre@espace-sante.localhost>"
    sms_gateway: str = "outbox"

    dev_idp_enabled: bool = True
    psc_issuer: str | None = None
    psc_client_id: str = "espace-sante"
    psc_client_secret: str = ""

    session_idle_minutes: int = 30
    session_absolute_hours: int = 12
    login_code_minutes: int = 10
    password_max_failures: int = 5
    lockout_minutes: int = 15
    source_max_attempts_per_minute: int = 30

    run_worker_in_process: bool = True
    outbox_poll_seconds: float = Field(default=2.0, gt=0)

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'espace-sante.db'}"

    @property
    def is_production(self) -> bool:
        return self.mode is Mode.PRODUCTION

    @property
    def master_key_bytes(self) -> bytes:
        key = base64.b64decode(self.master_key)
        if len(key) != 32:
            raise UnsafeSettingsError("ESPACE_SANTE_MASTER_KEY must be 32 bytes, base64-encoded")
        return key

    @model_validator(mode="after")
    def _refuse_unsafe_production(self) -> Self:
        self.master_key_bytes  # noqa: B018 - validates length in every mode
        if not self.is_production:
            return self
        problems = []
        if self.master_key == DEV_MASTER_KEY:
            problems.append("the development master key")
        if self.secret_key == DEV_SECRET_KEY or len(self.secret_key) < 32:
            problems.append("the development (or a short) secret key")
        if self.effective_database_url.startswith("sqlite") and (
            self.sqlite_synchronous.upper() != "FULL"
        ):
            problems.append("SQLite without synchronous=FULL")
        if not self.base_url.startswith("https://"):
            problems.append("a plain-HTTP base URL")
        if self.dev_idp_enabled:
            problems.append("the development identity provider")
        if self.sms_gateway == "outbox" and self.smtp_host is None:
            problems.append("no SMTP server (one-time codes could not be delivered)")
        if problems:
            raise UnsafeSettingsError("production mode refuses " + ", ".join(problems))
        return self


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
