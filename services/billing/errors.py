"""The closed set of refusals billing's commands raise; the HTTP app answers each with its problem
document (routes/deps.refusal: 404, 402, 409)."""


class Refusal(Exception):
    """A command refused: nothing it would have changed was changed."""


class NotFound(Refusal, LookupError):
    """No such record; the message names what (a "package offer", a "charge")."""


class Conflict(Refusal, ValueError):
    """The request contradicts what is recorded (a reused Idempotency-Key, a charge voided twice)."""


class InsufficientFunds(Refusal, ValueError):
    def __init__(self, needed: int, available: int):
        super().__init__(f"needs {needed}, has {available}")
        self.needed, self.available = needed, available
