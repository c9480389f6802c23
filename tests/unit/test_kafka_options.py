"""The Kafka clients and topics a replicated cluster needs are made from the settings (services/common/kafka_options)."""

import pytest
from pydantic import ValidationError

from services.common.kafka_options import bootstrap_servers, consumer_options, new_topic, producer_options
from services.common.settings import Settings


def test_topics_are_made_with_the_replicas_and_in_sync_minimum_the_settings_ask():
    settings = Settings(kafka_replication_factor=3, kafka_min_insync_replicas=2, kafka_partitions=6)
    topic = new_topic(settings, "x.jobs.events")
    assert (topic.name, topic.num_partitions, topic.replication_factor) == ("x.jobs.events", 6, 3)
    assert topic.topic_configs == {"min.insync.replicas": "2"}


def test_a_single_broker_gets_one_replica_by_default():
    topic = new_topic(Settings(), "jobs.events", partitions=2)
    assert (topic.num_partitions, topic.replication_factor, topic.topic_configs) == (2, 1, {"min.insync.replicas": "1"})


def test_producers_are_idempotent_with_the_delivery_timeout_and_backoff_set():
    options = producer_options(Settings(kafka_bootstrap_servers="a:9092,b:9092", kafka_delivery_timeout_ms=120000,
                                        kafka_retry_backoff_ms=250, kafka_metadata_max_age_ms=5000))
    assert options == {"bootstrap_servers": ["a:9092", "b:9092"], "enable_idempotence": True,
                       "request_timeout_ms": 120000, "retry_backoff_ms": 250, "metadata_max_age_ms": 5000}


def test_consumers_take_the_group_timings():
    assert consumer_options(Settings(kafka_session_timeout_ms=6000, kafka_heartbeat_interval_ms=1000)) == {
        "session_timeout_ms": 6000, "heartbeat_interval_ms": 1000}


@pytest.mark.parametrize("bad", [{"kafka_replication_factor": 1, "kafka_min_insync_replicas": 2},
                                 {"kafka_session_timeout_ms": 3000, "kafka_heartbeat_interval_ms": 3000}])
def test_settings_that_cannot_work_are_refused(bad):
    with pytest.raises(ValidationError):
        Settings(**bad)


def test_several_brokers_are_handed_to_the_clients_as_a_list():
    # aiokafka reads a string as one address: "a:9092,b:9092" would be one unresolvable host.
    assert bootstrap_servers(Settings(kafka_bootstrap_servers=" a:9092, b:9102 ,c:9112,")) == [
        "a:9092", "b:9102", "c:9112"]
