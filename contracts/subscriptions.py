"""The bounds on what a tenant subscribes with, shared by the notifier (which stores and enforces them) and the
gateway (which refuses a body past them before forwarding it, and documents them in its OpenAPI)."""

MAX_URL_LENGTH = 2048  # a webhook's URL, a subscriber's URL or e-mail address
MAX_EVENT_TYPES = 20  # event types one webhook or topic subscribes to
TOPIC_NAME = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,254}$"  # also the CHECK on notifier.topics.name
