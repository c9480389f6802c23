"""Subscription filter policies on message attributes, SNS-style. Pure: no I/O.

`{"vendor": ["modelarts"], "status": ["FAILED", "STOPPED"]}` passes a message whose `vendor` is modelarts
AND whose `status` is FAILED or STOPPED. Every named attribute must match one of its conditions; a condition
is an exact string, `{"prefix": "job."}`, `{"anything-but": ["RUNNING"]}` (present and none of these) or
`{"exists": false}`. A message without a named attribute does not pass (unless `{"exists": false}`).
No policy passes everything.
"""

from collections.abc import Mapping

MAX_KEYS = 10
MAX_CONDITIONS = 100
MAX_TEXT = 256

FilterPolicy = dict[str, list]
Attributes = Mapping[str, str | None]


class InvalidFilterPolicy(ValueError):
    pass


def validate(policy: object) -> FilterPolicy:
    """The policy as given, or InvalidFilterPolicy saying what is wrong with it."""
    if not isinstance(policy, dict) or not 1 <= len(policy) <= MAX_KEYS:
        raise InvalidFilterPolicy(f"a filter policy maps 1 to {MAX_KEYS} attribute names to lists of conditions")
    for name, conditions in policy.items():
        if not isinstance(name, str) or not 1 <= len(name) <= 64:
            raise InvalidFilterPolicy(f"attribute name {name!r}: 1 to 64 characters")
        if not isinstance(conditions, list) or not 1 <= len(conditions) <= MAX_CONDITIONS:
            raise InvalidFilterPolicy(f"{name}: a list of 1 to {MAX_CONDITIONS} conditions")
        for condition in conditions:
            _validate_condition(name, condition)
    return policy


def _validate_condition(name: str, condition: object) -> None:
    if isinstance(condition, str):
        if len(condition) > MAX_TEXT:
            raise InvalidFilterPolicy(f"{name}: values are at most {MAX_TEXT} characters")
        return
    if not isinstance(condition, dict) or len(condition) != 1:
        raise InvalidFilterPolicy(f"{name}: a condition is a string or one of prefix, anything-but, exists")
    (operator, operand), = condition.items()
    if operator == "prefix" and isinstance(operand, str) and 0 < len(operand) <= MAX_TEXT:
        return
    if operator == "exists" and isinstance(operand, bool):
        return
    if operator == "anything-but":
        values = [operand] if isinstance(operand, str) else operand
        if isinstance(values, list) and values and all(isinstance(v, str) and len(v) <= MAX_TEXT for v in values):
            return
    raise InvalidFilterPolicy(f"{name}: invalid condition {condition!r}")


def matches(policy: FilterPolicy | None, attributes: Attributes) -> bool:
    if not policy:
        return True
    return all(any(_holds(condition, attributes.get(name)) for condition in conditions)
               for name, conditions in policy.items())


def _holds(condition: str | dict, value: str | None) -> bool:
    if isinstance(condition, str):
        return value == condition
    (operator, operand), = condition.items()
    if operator == "exists":
        return (value is not None) == operand
    if value is None:
        return False
    if operator == "prefix":
        return value.startswith(operand)
    excluded = [operand] if isinstance(operand, str) else operand
    return value not in excluded
