"""Settings: command-line flag > environment ``GRIDTUI_*`` > defaults (pydantic-settings)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DB = "sqlite:///var/gridtui.sqlite"


class Settings(BaseSettings):
    """Where the data lives and how the centre works."""

    model_config = SettingsConfigDict(env_prefix="GRIDTUI_", extra="ignore")

    db: str = Field(
        default=DEFAULT_DB,
        description="SQLAlchemy URL: sqlite:///path.sqlite or postgresql+psycopg://user@host/db",
    )
    timezone: str = Field(
        default="Asia/Shanghai", description="The centre's time zone: days, periods, display."
    )
    lang: Literal["zh", "en"] = Field(default="zh", description="Interface language.")
    public_url: str = Field(
        default="",
        description="The API's public base URL (e.g. https://centre.example.org), named "
        "by Open311 discovery; default: http://HOST:PORT of `gridtui serve`. Never taken "
        "from a request's Host header.",
    )
    fixtures: Path = Field(
        default=Path("fixtures"), description="Folder with sla.toml, scoring.toml and the city."
    )
