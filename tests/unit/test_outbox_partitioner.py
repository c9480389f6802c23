"""The relay's producer partitions as every Kafka client does: a key always lands where aiokafka's
DefaultPartitioner (murmur2, as the Java client) puts it, hash cached or not."""

import os

from aiokafka.partitioner import DefaultPartitioner

from services.common.outbox import key_partitioner


def test_every_key_goes_to_the_partition_the_default_partitioner_picks():
    keys = [os.urandom(n) for n in (1, 7, 16, 36, 100) for _ in range(200)]
    for partitions in ([0], [0, 1, 2], list(range(12))):
        for key in keys + keys:  # the second time from the cache
            assert key_partitioner(key, partitions, partitions) == DefaultPartitioner()(key, partitions, partitions)


def test_a_message_without_a_key_goes_to_an_available_partition():
    assert key_partitioner(None, [0, 1, 2], [1]) == 1
