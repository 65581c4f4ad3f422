"""Runtime settings, read from `NABD_*` environment variables or a `.env` file."""

import os
import secrets
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "nabd"


class Settings(BaseSettings):
    """Every setting nabd reads; each one is documented in docs/configuration.md."""

    model_config = SettingsConfigDict(env_prefix="NABD_", env_file=".env", extra="ignore")

    data_dir: Path = Field(default_factory=_default_data_dir)
    database_url: str | None = None
    secret_key: SecretStr | None = None
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    web_workers: int = Field(default=1, ge=1, le=64)
    default_language: Literal["ar", "en"] = "ar"
    log_format: Literal["console", "json"] = "console"
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    secure_cookies: bool = False
    session_max_age_seconds: int = Field(default=14 * 24 * 3600, ge=300)
    login_rate_limit: str = "10/minute"
    survey_rate_limit: str = "20/hour"
    collect_rate_limit: str = "120/minute"
    rate_limit_storage_url: str = "memory://"
    migrate_on_start: bool | None = None
    jobs_redis_url: str | None = None
    jobs_queue_name: str = "nabd"
    jobs_workers: int = Field(default=2, ge=1, le=64)
    jobs_embedded_consumer: bool | None = None
    analytics_dir: Path | None = None
    analytics_refresh_minutes: int = Field(default=15, ge=0)
    metrics_churn_inactive_days: int = Field(default=90, ge=1)
    metrics_completion_window_hours: int = Field(default=24, ge=1)
    public_url: str | None = None

    @cached_property
    def resolved_database_url(self) -> str:
        """The configured database, or the embedded SQLite file under the data dir."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'nabd.sqlite3'}"

    @property
    def is_embedded_database(self) -> bool:
        return self.resolved_database_url.startswith("sqlite")

    @property
    def should_migrate_on_start(self) -> bool:
        """Embedded installs upgrade themselves; shared databases are upgraded on purpose."""
        if self.migrate_on_start is None:
            return self.is_embedded_database
        return self.migrate_on_start

    @property
    def should_run_embedded_consumer(self) -> bool:
        """`nabd serve` runs jobs itself on the embedded (SQLite) queue unless told otherwise."""
        if self.jobs_embedded_consumer is None:
            return not self.jobs_redis_url
        return self.jobs_embedded_consumer

    @property
    def resolved_analytics_dir(self) -> Path:
        return self.analytics_dir or self.data_dir / "analytics"

    @property
    def resolved_public_url(self) -> str:
        """Where respondents reach nabd, for links sent by background jobs (no request)."""
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    @cached_property
    def resolved_secret_key(self) -> str:
        """The signing key; generated once and kept in the data dir when not configured.

        Keeping it on disk means sessions survive restarts without asking the user to
        invent a secret on day one.
        """
        if self.secret_key is not None:
            return self.secret_key.get_secret_value()
        key_file = self.data_dir / "secret_key"
        if key_file.exists():
            return key_file.read_text().strip()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        key_file.write_text(key)
        key_file.chmod(0o600)
        return key

    def ensure_data_dir(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)


def get_settings() -> Settings:
    return Settings()
