"""Settings: command-line flag > environment ``GRIDTUI_*`` > defaults (pydantic-settings)."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DB = "sqlite:///var/gridtui.sqlite"
#: the base URL Open311 discovery names when none is configured (``gridtui serve``'s)
DEFAULT_PUBLIC_URL = "http://127.0.0.1:8765"


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
    open311_sandbox_hours: float = Field(
        default=24.0,
        gt=0,
        description="How long Open311's sandbox (its test endpoint) keeps a report: "
        "`gridtui serve`'s sweeper deletes older ones.",
    )
    fixtures: Path = Field(
        default=Path("fixtures"), description="Folder with sla.toml, scoring.toml and the city."
    )
    ssh_state: str = Field(
        default="",
        description="`gridtui ssh-serve`'s folder for its host key; default: gridtui-ssh "
        "beside a SQLite database, else ~/.local/state/gridtui.",
    )
    bulletins: Path = Field(
        default=Path("bulletins"),
        description="Folder the assessment screen's one-key export writes bulletins (通报) to.",
    )


def public_url_for(host: str, port: int) -> str:
    """The base URL of a server bound to ``host``:``port`` (a wildcard address: this
    machine's name), for when no public URL is configured."""
    if host in ("", "0.0.0.0", "::"):
        host = socket.gethostname()
    elif ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"
