"""The closed set of refusals billing's commands raise; routes/deps.refusal turns each into its problem
document (404, 402, 409)."""


class NotFound(LookupError):
    """No such record; the message names what (a "package offer", a "charge")."""


class Conflict(ValueError):
    """The request contradicts what is recorded (a reused Idempotency-Key, a charge voided twice)."""


class InsufficientFunds(ValueError):
    def __init__(self, needed: int, available: int):
        super().__init__(f"needs {needed}, has {available}")
        self.needed, self.available = needed, available
