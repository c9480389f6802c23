"""A job file (YAML with the JobSpec's fields) and its command-line overrides, checked before anything is sent.
Every error names the field's path and the line of the file it comes from."""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from switchyard_client.jobspec import JobSpec


class JobFileError(Exception):
    """The file cannot become a job; `problems` holds one line per wrong field."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Overrides:
    name: str | None = None
    priority: str | None = None
    accelerator: str | None = None
    count: int | None = None
    env: tuple[str, ...] = ()  # KEY=VALUE
    nodes: int | None = None

    def apply(self, data: dict[str, Any]) -> dict[tuple, str]:
        """Write the overrides into `data`; answer which paths came from which option."""
        origin: dict[tuple, str] = {}
        for path, option, value in ((("name",), "--name", self.name), (("priority",), "--priority", self.priority),
                                    (("resources", "accelerator"), "--accelerator", self.accelerator),
                                    (("resources", "count"), "--count", self.count),
                                    (("resources", "nodes"), "--nodes", self.nodes)):
            if value is None:
                continue
            target = data
            for part in path[:-1]:
                if not isinstance(target.get(part), dict):
                    target[part] = {}
                target = target[part]
            target[path[-1]] = value
            origin[path] = option
        for item in self.env:
            key, sep, value = item.partition("=")
            if not sep or not key:
                raise JobFileError([f"--env {item!r}: write KEY=VALUE"])
            if not isinstance(data.get("env"), dict):
                data["env"] = {}
            data["env"][key] = value
            origin[("env", key)] = "--env"
        return origin


def _line_of(root: yaml.Node | None, path: tuple) -> int | None:
    """The 1-based line of the deepest node of `path` the file has (a missing field: its parent's line)."""
    node, line = root, (root.start_mark.line + 1 if root is not None else None)
    for part in path:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if key.value == str(part):
                    node, line = value, key.start_mark.line + 1
                    break
            else:
                return line
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            return line
    return line


def _stringify_env(data: dict[str, Any]) -> None:
    # `EPOCHS: 3` in YAML is a number; an environment variable is text, so numbers are taken as written.
    env = data.get("env")
    if isinstance(env, dict):
        for key, value in env.items():
            if isinstance(value, int | float) and not isinstance(value, bool):
                env[key] = str(value)


def load_job(path: Path, overrides: Overrides = Overrides()) -> JobSpec:
    try:
        text = path.read_text()
    except OSError as exc:
        raise JobFileError([f"{path}: {exc.strerror}"]) from None
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f":{mark.line + 1}" if mark else ""
        raise JobFileError([f"{path}{where}: not YAML: {exc.problem or exc}"]) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise JobFileError([f"{path}:1: the file must be a mapping of the job's fields (kind, name, image, ...)"])
    _stringify_env(data)
    origin = overrides.apply(data)
    try:
        return JobSpec.model_validate(data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            loc = tuple(error["loc"])
            field = ".".join(str(p) for p in loc) or "(the job)"
            option = next((o for p, o in origin.items() if loc[:len(p)] == p), None)
            where = f"from {option}" if option else f"{path}:{_line_of(root, loc)}"
            message = error["msg"].removeprefix("Value error, ")
            problems.append(f"{where}: {field}: {message}")
        raise JobFileError(problems) from None
