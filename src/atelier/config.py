"""Settings read from the environment (prefix ``ATELIER_``) or a ``.env`` file."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SQLITE = f"sqlite+aiosqlite:///{Path('var/atelier.db').resolve()}"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ATELIER_", env_file=".env", extra="ignore")

    database_url: str = Field(default=DEFAULT_SQLITE, description="SQLAlchemy async URL")
    database_role: str = Field(
        default="atelier_app",
        description="PostgreSQL role the application switches to so row-level security applies",
    )
    database_pool_size: int = Field(
        default=30,
        ge=1,
        description="PostgreSQL connections each serving process may hold (opened as needed, no overflow)",
    )
    redis_url: str | None = Field(default=None, description="Redis URL for cache and pub/sub")
    secret_key: str = Field(default="change-me-in-production-please-32b", description="JWT signing key")
    access_token_minutes: int = 30
    refresh_token_days: int = 30
    argon2_time_cost: int = Field(default=3, description="argon2id passes")
    argon2_memory_kib: int = Field(default=65536, description="argon2id memory per hash")
    login_attempts: int = Field(default=5, description="failed logins allowed per window")
    login_window_seconds: int = 900
    max_source_bytes: int = Field(default=20_000, description="largest WODCraft source accepted")
    compile_cache_seconds: int = Field(default=3600, description="lifetime of a cached compilation")
    sql_echo: bool = False
    token_key: str | None = Field(
        default=None,
        description="Fernet key sealing wearable tokens at rest (default: derived from secret_key)",
    )
    wearable_url: str | None = Field(
        default=None, description="base URL of the OAuth 2 wearable provider (off when unset)"
    )
    wearable_client_id: str = ""
    wearable_client_secret: str = ""
    llm_url: str | None = Field(
        default=None, description="base URL of an OpenAI-compatible chat-completions API (off when unset)"
    )
    llm_key: str = ""
    llm_model: str = "gpt-5-mini"
    llm_timeout_seconds: float = Field(default=20.0, gt=0)
    image_url: str | None = Field(
        default=None, description="URL of an image-generation API for illustrations (off when unset)"
    )
    image_key: str = ""
    image_timeout_seconds: float = Field(default=60.0, gt=0)
    storage_dir: str = Field(default="var/storage", description="folder of generated files (illustrations)")
    job_lease_seconds: float = Field(
        default=300.0, gt=0, description="how long a worker holds a job before another may take it again"
    )


@lru_cache
def get_settings() -> Settings:
    return Settings()
