"""AsyncAPI descriptions of what a service publishes.

Events leave a service through its outbox relay, not through FastStream publishers, so FastStream
cannot see them. Each service declares here, per topic, the event models it writes to its outbox;
the declared publishers are used only for the generated document (`make asyncapi`).
"""

from faststream.kafka import KafkaBroker

from contracts.events import Message
from services.common.settings import get_settings


def document_publishes(broker: KafkaBroker, topic: str, *events: type[Message]) -> None:
    for event in events:
        broker.publisher(
            get_settings().topic(topic), title=f"{topic}:{event.TYPE}", schema=event,
            description=f"{event.__name__} ({event.TYPE}), via the outbox; CloudEvents attributes in headers",
        )
