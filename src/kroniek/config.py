"""Configuration is data: ``defaults.toml`` shipped with the package, overridden by a user file and the environment."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import platformdirs

APP_NAME = "kroniek"


def _deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def default_db_url() -> str:
    data_dir = Path(platformdirs.user_data_dir(APP_NAME))
    data_dir.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{data_dir / 'kroniek.db'}"


@dataclass
class Settings:
    data: dict[str, Any] = field(default_factory=dict)

    def section(self, name: str) -> dict[str, Any]:
        value = self.data.get(name, {})
        return value if isinstance(value, dict) else {}

    def get(self, section: str, key: str, default: Any = None) -> Any:
        return self.section(section).get(key, default)

    @property
    def db_url(self) -> str:
        url = self.get("store", "url") or ""
        return str(url) if url else default_db_url()


def load_settings(config_file: Path | None = None, db_url: str | None = None) -> Settings:
    text = resources.files("kroniek").joinpath("defaults.toml").read_text(encoding="utf-8")
    data = tomllib.loads(text)
    if config_file is not None:
        with config_file.open("rb") as handle:
            data = _deep_merge(data, tomllib.load(handle))
    url = db_url or os.environ.get("KRONIEK_DB")
    if url:
        data["store"]["url"] = url
    return Settings(data)
