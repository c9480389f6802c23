"""The rules of a tenant's API keys (`services/gateway/keys.py`)."""

from datetime import UTC, datetime, timedelta

from services.gateway import keys

NOW = datetime(2026, 12, 2, 1, 0, tzinfo=UTC)


def test_a_new_key_is_random_prefixed_and_only_its_hash_is_kept():
    first, second = keys.new_api_key(), keys.new_api_key()
    assert first != second and first.startswith("sy_live_") and len(first) == len("sy_live_") + 43
    assert keys.hash_api_key(first) == keys.hash_api_key(first) != keys.hash_api_key(second)
    assert first not in keys.hash_api_key(first) and len(keys.hash_api_key(first)) == 64


def test_the_prefix_shows_the_fixed_part_and_six_characters_of_the_key():
    key = keys.new_api_key()
    assert keys.key_prefix(key) == key[:14] and key.startswith(keys.key_prefix(key))
    assert len(keys.key_prefix(key)) < len(key)


def test_a_key_is_accepted_until_it_expires_and_only_while_its_tenant_is_active():
    assert keys.refusal(None, "active", NOW) is None
    assert keys.refusal(NOW + timedelta(seconds=1), "active", NOW) is None
    assert keys.refusal(NOW, "active", NOW) is keys.EXPIRED
    assert keys.refusal(NOW - timedelta(days=1), "active", NOW) is keys.EXPIRED
    assert keys.refusal(None, "suspended", NOW) is keys.SUSPENDED


def test_refusals_are_401_for_the_key_and_403_tenant_suspended_for_the_tenant():
    assert (keys.UNKNOWN.status, keys.EXPIRED.status) == (401, 401)
    assert (keys.SUSPENDED.status, keys.SUSPENDED.type) == (403, "tenant-suspended")
    # An expired key is refused as expired before its tenant's status is looked at: it is useless either way.
    assert keys.refusal(NOW - timedelta(days=1), "suspended", NOW) is keys.EXPIRED


def test_last_used_at_is_written_at_most_once_a_minute():
    assert keys.needs_touch(None, NOW)
    assert not keys.needs_touch(NOW - timedelta(seconds=59), NOW)
    assert keys.needs_touch(NOW - timedelta(minutes=1), NOW)


def test_a_new_key_cannot_expire_in_the_past_or_now():
    assert keys.expiry_error(None, NOW) is None
    assert keys.expiry_error(NOW + timedelta(minutes=1), NOW) is None
    assert keys.expiry_error(NOW, NOW) is not None
    assert keys.expiry_error(NOW - timedelta(days=1), NOW) is not None


def test_a_key_is_active_unless_revoked_or_expired():
    assert keys.is_active(None, None, NOW)
    assert not keys.is_active(NOW, None, NOW)
    assert not keys.is_active(None, NOW - timedelta(hours=1), NOW)


def test_a_tenant_keeps_at_least_one_active_key():
    assert not keys.may_delete(active_keys=1, deleting_an_active_key=True)
    assert keys.may_delete(active_keys=2, deleting_an_active_key=True)
    assert keys.may_delete(active_keys=1, deleting_an_active_key=False)  # an expired one beside it
    assert keys.may_delete(active_keys=0, deleting_an_active_key=False)
