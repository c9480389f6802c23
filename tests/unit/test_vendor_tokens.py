"""A vendor login token renewed before it expires and dropped when refused (services/vendors/tokens.py)."""

import time

from services.vendors.tokens import RenewingToken


async def test_logs_in_once_renews_before_expiry_and_after_a_refusal(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(time, "monotonic", lambda: now[0])
    logins = []

    async def login():
        logins.append(now[0])
        return f"t{len(logins)}", 7 * 86400.0  # a 7-day token: renewed an hour (the cap) before it ends

    token = RenewingToken(login, max_margin_s=3600.0)
    assert await token.get() == "t1" and await token.get() == "t1"
    now[0] += 7 * 86400 - 3601
    assert await token.get() == "t1"
    now[0] += 2
    assert await token.get() == "t2"
    token.invalidate("t1")  # a stale refusal of the old token changes nothing
    assert await token.get() == "t2" and len(logins) == 2
    token.invalidate("t2")
    assert await token.get() == "t3"


async def test_a_short_token_is_renewed_a_tenth_of_its_life_early(monkeypatch):
    now = [0.0]
    monkeypatch.setattr(time, "monotonic", lambda: now[0])

    logins = []

    async def login():
        logins.append(now[0])
        return "t", 100.0
    token = RenewingToken(login, max_margin_s=600.0)
    await token.get()
    now[0] = 89.9
    await token.get()
    now[0] = 90.0
    await token.get()
    assert logins == [0.0, 90.0]
