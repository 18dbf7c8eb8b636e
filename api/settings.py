"""All settings in one place, from VLEDGER_* environment variables (DESIGN §8)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated
from urllib.parse import parse_qs, unquote, urlparse

from pydantic import Field, PositiveInt, SecretStr, StringConstraints, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from domain.errors import VledgerError
from domain.stars import NATIONAL_THRESHOLDS


class SettingsError(VledgerError):
    code = "settings"


class Settings(BaseSettings):
    """Service settings. ``production`` refuses development conveniences such as a generated passphrase."""

    model_config = SettingsConfigDict(env_prefix="VLEDGER_", extra="ignore")

    data_dir: Path = Path("./var")
    database_url: str | None = None
    public_url: str = "http://127.0.0.1:8000"
    key_passphrase: SecretStr | None = None
    log_origin: str | None = None
    star_thresholds: tuple[int, ...] = NATIONAL_THRESHOLDS
    environment: str = Field(default="development", pattern="^(development|production)$")
    log_level: str = Field(default="WARNING", pattern="^(DEBUG|INFO|WARNING|ERROR)$")
    # A TrueType/OpenType font (or collection) with Chinese glyphs, embedded as a subset into PDF certificates.
    # Unset: well-known Debian CJK fonts, then fontconfig (api/pdf.py `find_font`).
    pdf_font: Path | None = None
    # Residents per county (6-digit division code), for the identified organizations per million residents (Hunan
    # notice 001 二(一): at least 20). JSON in VLEDGER_REGION_POPULATIONS, e.g. {"430102": 640000}. The default
    # covers the demo's two Beijing districts (seventh national census, 2020); a county not listed is "unknown".
    region_populations: dict[Annotated[str, StringConstraints(pattern=r"^[0-9]{6}$")], PositiveInt] = Field(
        default_factory=lambda: {"110105": 3_452_460, "110108": 3_133_469})

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, value: str) -> str:
        parsed = urlparse(value)
        if parsed.scheme not in ("http", "https") or not parsed.netloc or parsed.query or parsed.fragment:
            raise ValueError("VLEDGER_PUBLIC_URL must be an http(s) URL without query or fragment")
        if parsed.path.strip("/"):
            # The QR text is uppercased for the alphanumeric mode; a path would reach a proxy as /PATH/V/….
            raise ValueError("VLEDGER_PUBLIC_URL must be a bare origin such as https://verify.example.cn (no path)")
        return value.rstrip("/")

    @model_validator(mode="after")
    def _production(self) -> Settings:
        if self.environment == "production" and self.key_passphrase is None:
            raise ValueError("production requires VLEDGER_KEY_PASSPHRASE; a generated passphrase is for development")
        return self

    @property
    def origin(self) -> str:
        """The log origin (C2SP tlog-checkpoint): the public URL's host followed by /vledger."""
        return self.log_origin or f"{urlparse(self.public_url).netloc}/vledger"

    @property
    def uses_postgres(self) -> bool:
        return self.database_url is not None and self.database_url.startswith(("postgresql://", "postgres://"))

    def persistence_env(self) -> dict[str, str]:
        """eventsourcing environment for the event store."""
        if not self.database_url:
            return {"PERSISTENCE_MODULE": "eventsourcing.sqlite",
                    "SQLITE_DBNAME": str(self.data_dir.resolve() / "events.sqlite"),
                    "SQLITE_LOCK_TIMEOUT": "30"}
        if not self.uses_postgres:
            raise SettingsError("VLEDGER_DATABASE_URL must start with postgresql://")
        url = urlparse(self.database_url)
        query = parse_qs(url.query)
        return {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": unquote(url.path.lstrip("/")) or "postgres",
            "POSTGRES_HOST": url.hostname or "127.0.0.1",
            "POSTGRES_PORT": str(url.port or 5432),
            "POSTGRES_USER": unquote(url.username or "postgres"),
            "POSTGRES_PASSWORD": unquote(url.password or ""),
            "POSTGRES_SCHEMA": query.get("schema", ["public"])[0],
            "POSTGRES_CONNECT_TIMEOUT": "10",
            # Large saves (paper imports) in chunks within one transaction: see api/pg_recorder.py.
            "APPLICATION_RECORDER_TOPIC": "api.pg_recorder:ChunkedPostgresApplicationRecorder",
        }

    def views_env(self) -> dict[str, str]:
        """Views: their own SQLite file (dropping them never touches the log), or the same PostgreSQL schema."""
        env = self.persistence_env()
        if not self.uses_postgres:
            env["SQLITE_DBNAME"] = str(self.data_dir.resolve() / "views.sqlite")
        return env
