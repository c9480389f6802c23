"""Whether the cluster holds every partition on all its brokers again: a partition is under-replicated while its
in-sync replicas are fewer than its replicas."""

from aiokafka.admin import AIOKafkaAdminClient

INTERNAL_TOPICS = ("__consumer_offsets",)


async def under_replicated(bootstrap: str, prefix: str, replicas: int) -> list[str]:
    """The partitions of the run's topics (and Kafka's own) not in sync on `replicas` brokers, as readable lines."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap.split(","))
    await admin.start()
    try:
        topics = [t for t in await admin.list_topics() if t.startswith(prefix) or t in INTERNAL_TOPICS]
        problems = []
        for topic in await admin.describe_topics(topics):
            if topic["error_code"]:
                problems.append(f"{topic['topic']}: error {topic['error_code']}")
            for p in topic["partitions"]:
                if len(p["replicas"]) != replicas or set(p["isr"]) != set(p["replicas"]):
                    problems.append(f"{topic['topic']}[{p['partition']}]: replicas {p['replicas']}, in sync {p['isr']}")
        return problems
    finally:
        await admin.close()
