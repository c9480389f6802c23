"""Where the command line finds its API: `--profile`, else SWITCHYARD_API_URL / SWITCHYARD_API_KEY, else the
`default` profile of $XDG_CONFIG_HOME/switchyard/config.toml (written by `switchyard login`, mode 0600)."""

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

import tomli_w

from switchyard_client.client import DEFAULT_URL

DEFAULT_PROFILE = "default"


class ConfigError(Exception):
    """Configuration the user must fix (exit code 2)."""


@dataclass(frozen=True)
class Target:
    url: str
    api_key: str | None
    admin_token: str | None
    profile: str | None


def config_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "switchyard" / "config.toml"


def read_profiles() -> dict[str, dict]:
    path = config_path()
    if not path.exists():
        return {}
    try:
        return tomllib.loads(path.read_text()).get("profiles", {})
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: {exc}") from None


def save_profile(name: str, url: str, api_key: str) -> Path:
    profiles = read_profiles()
    profiles[name] = {"url": url, "api_key": api_key}
    path = config_path()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    # Created 0600 from the start (not chmod-ed after), so the key is never readable by others, even briefly.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        tomli_w.dump({"profiles": profiles}, out)
    os.chmod(path, 0o600)  # a file that existed before with wider bits
    return path


def resolve(profile: str | None) -> Target:
    profiles = read_profiles()
    admin_token = os.environ.get("SWITCHYARD_ADMIN_TOKEN")
    profile = profile or os.environ.get("SWITCHYARD_PROFILE")
    if profile:
        if profile not in profiles:
            raise ConfigError(f"no profile {profile!r} in {config_path()}; "
                              f"create it with `switchyard login --url URL --key KEY --profile {profile}`")
        chosen = profiles[profile]
        return Target(chosen.get("url", DEFAULT_URL), chosen.get("api_key"), admin_token, profile)
    fallback = profiles.get(DEFAULT_PROFILE, {})
    return Target(os.environ.get("SWITCHYARD_API_URL") or fallback.get("url") or DEFAULT_URL,
                  os.environ.get("SWITCHYARD_API_KEY") or fallback.get("api_key"), admin_token, None)
