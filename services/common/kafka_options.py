"""What every Kafka client and topic of Switchyard is made with, from the settings: one place for what a
replicated cluster needs.

Producers are idempotent (acks=all is implied): aiokafka then retries a failed send until the broker acknowledges
it, without duplicates, so there is no retry count to set. A batch that finds no leader for its partition within
`kafka_delivery_timeout_ms` fails, and the outbox relay sends its rows again later. Consumers find a partition's new
leader (and their group's new coordinator) from the metadata they read again on the error; the session timeout
bounds how long a dead consumer's partitions wait for another. Topics carry `min.insync.replicas`, so with
acks=all an event is acknowledged only once that many replicas hold it."""

from aiokafka.admin import NewTopic

from services.common.settings import Settings


def bootstrap_servers(settings: Settings) -> list[str]:
    """The brokers as a list: aiokafka takes a string as one address, so "a:9092,b:9092" must be split."""
    return [server.strip() for server in settings.kafka_bootstrap_servers.split(",") if server.strip()]


def client_options(settings: Settings) -> dict:
    """Options every client takes: the brokers, how often metadata is read again, the pause between tries."""
    return {"bootstrap_servers": bootstrap_servers(settings),
            "metadata_max_age_ms": settings.kafka_metadata_max_age_ms,
            "retry_backoff_ms": settings.kafka_retry_backoff_ms}


def producer_options(settings: Settings) -> dict:
    return {**client_options(settings), "enable_idempotence": True,
            "request_timeout_ms": settings.kafka_delivery_timeout_ms}


def consumer_options(settings: Settings) -> dict:
    """A subscriber's group membership timings."""
    return {"session_timeout_ms": settings.kafka_session_timeout_ms,
            "heartbeat_interval_ms": settings.kafka_heartbeat_interval_ms}


def new_topic(settings: Settings, name: str, partitions: int | None = None) -> NewTopic:
    return NewTopic(name, num_partitions=partitions or settings.kafka_partitions,
                    replication_factor=settings.kafka_replication_factor,
                    topic_configs={"min.insync.replicas": str(settings.kafka_min_insync_replicas)})
