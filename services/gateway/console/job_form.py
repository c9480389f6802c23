"""The new-job form's fields as a job spec, and the API's field errors back at the form's fields."""

from typing import Any

# The form's field for each place of the spec the API may name in an error.
FIELD_OF = {"kind": "kind", "name": "name", "image": "image", "command": "command",
            "resources.accelerator": "accelerator", "resources.count": "count", "resources": "accelerator",
            "env": "env", "max_runtime_s": "max_runtime_s", "priority": "priority", "model": "model",
            "placement.vendors": "vendors", "placement.exclude_vendors": "exclude_vendors",
            "placement.max_price_per_hour": "max_price_per_hour"}


def _integer(form: dict, name: str, errors: dict[str, str]) -> int | None:
    text = str(form.get(name) or "").strip()
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        errors[name] = "Enter a whole number."
        return None


def _names(text: str) -> list[str]:
    return [part.strip() for part in text.replace(",", " ").split() if part.strip()]


def spec_from_form(form: dict) -> tuple[dict[str, Any], dict[str, str]]:
    """The JobSpec the form describes, and the errors found before the API sees it (by field)."""
    errors: dict[str, str] = {}
    spec: dict[str, Any] = {"kind": form.get("kind") or "training", "name": str(form.get("name") or "").strip(),
                            "image": str(form.get("image") or "").strip(),
                            "resources": {"accelerator": str(form.get("accelerator") or "").strip(),
                                          "count": _integer(form, "count", errors) or 0},
                            "priority": form.get("priority") or "normal"}
    if command := str(form.get("command") or "").strip():
        spec["command"] = command
    if spec["kind"] == "inference" and (model := str(form.get("model") or "").strip()):
        spec["model"] = model
    if (runtime := _integer(form, "max_runtime_s", errors)) is not None:
        spec["max_runtime_s"] = runtime
    env = {}
    for number, line in enumerate(str(form.get("env") or "").splitlines(), start=1):
        if not line.strip():
            continue
        name, equals, value = line.strip().partition("=")
        if not equals or not name:
            errors["env"] = f"Line {number}: write NAME=value."
            continue
        env[name.strip()] = value
    if env:
        spec["env"] = env
    placement: dict[str, Any] = {}
    if vendors := _names(str(form.get("vendors") or "")):
        placement["vendors"] = vendors
    if excluded := _names(str(form.get("exclude_vendors") or "")):
        placement["exclude_vendors"] = excluded
    if price := str(form.get("max_price_per_hour") or "").strip():
        placement["max_price_per_hour"] = price
    if placement:
        spec["placement"] = placement
    return spec, errors


def field_errors(problem: dict) -> dict[str, str]:
    """The API's invalid-job errors by form field (an error at a place the form has no field for under `_form`)."""
    out: dict[str, str] = {}
    for error in problem.get("errors") or []:
        location = str(error.get("location", ""))
        field = FIELD_OF.get(location) or FIELD_OF.get(location.rsplit(".", 1)[0]) or (
            "env" if location.startswith("env.") else "_form")
        out.setdefault(field, error.get("message", "invalid"))
    if not out and problem:
        out["_form"] = problem.get("detail") or problem.get("title") or "The job was refused."
    return out
