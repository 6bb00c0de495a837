"""The retention policy (backups/retention.py): parsing SIRECORDS_BACKUP_RETENTION, and the pure decision of which
backups a target keeps — the newest of each of the last N days and M months (UTC calendar), always the newest, never
one younger than a day."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sirecords.backups.retention import DEFAULT, Policy, PolicyInvalid, configured, created_at, keep, parse, to_delete


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def name(moment: datetime) -> str:
    return "backup-" + moment.strftime("%Y%m%dT%H%M%S%fZ")


NOW = at("2026-03-15T12:00:00")


# --- parsing the policy ---

@pytest.mark.parametrize(("text", "policy"), [
    ("daily=30,monthly=12", Policy(30, 12)),
    (" monthly = 6 , daily = 7 ", Policy(7, 6)),
    ("daily=5", Policy(5, 0)),
    ("monthly=0", Policy(0, 0)),
    ("daily=0,monthly=100000", Policy(0, 100_000)),
])
def test_a_policy_parses(text, policy):
    assert parse(text) == policy
    assert parse(str(policy)) == policy


@pytest.mark.parametrize(("text", "says"), [
    ("", "is empty"),
    (" , ", "is empty"),
    ("daily", "is not PERIOD=COUNT"),
    ("weekly=4", "unknown period 'weekly'"),
    ("daily=3,daily=4", "daily is given twice"),
    ("daily=-1", "must be a whole number from 0 to 100000"),
    ("daily=1.5", "must be a whole number"),
    ("daily=", "must be a whole number"),
    ("monthly=100001", "must be a whole number from 0 to 100000"),
    ("daily=３", "must be a whole number"),  # a full-width digit is not taken as 3
    ("daily=30;monthly=12", "must be a whole number"),
])
def test_a_bad_policy_is_refused_naming_the_part(text, says):
    with pytest.raises(PolicyInvalid) as refused:
        parse(text)
    assert says in str(refused.value) and "SIRECORDS_BACKUP_RETENTION" in str(refused.value)


def test_the_configured_policy_defaults_to_daily_30_monthly_12(monkeypatch):
    monkeypatch.delenv("SIRECORDS_BACKUP_RETENTION", raising=False)
    assert configured() == parse(DEFAULT) == Policy(30, 12)
    monkeypatch.setenv("SIRECORDS_BACKUP_RETENTION", "daily=3")
    assert configured() == Policy(3, 0)
    monkeypatch.setenv("SIRECORDS_BACKUP_RETENTION", "yearly=3")
    with pytest.raises(PolicyInvalid, match="unknown period 'yearly'"):
        configured()


# --- the decision ---

def test_nothing_to_keep_in_an_empty_target():
    assert keep([], Policy(30, 12), NOW) == set()
    assert to_delete([], Policy(30, 12), NOW) == []


def test_the_newest_backup_is_kept_whatever_its_age_and_the_policy():
    old = [at("2020-01-01T01:00:00"), at("2021-06-01T01:00:00")]
    assert keep(old, Policy(0, 0), NOW) == {old[1]}
    assert keep(old, Policy(30, 12), NOW) == {old[1]}  # both far outside 30 days and 12 months


def test_every_backup_younger_than_a_day_is_kept_several_per_day_too():
    young = [NOW - timedelta(hours=h) for h in (0.5, 3, 9, 23.99)]
    older = NOW - timedelta(hours=24, seconds=1)  # yesterday, a day and a second old: no longer young
    same_day_older = older - timedelta(hours=1)
    kept = keep([*young, older, same_day_older], Policy(0, 0), NOW)
    assert kept == set(young)
    # With a daily policy: the 14th's newest is young[3] (12:00:36), so its two older ones go; of the 13th, the newest.
    thirteenth = [NOW - timedelta(days=2), NOW - timedelta(days=2, hours=1)]
    assert keep([*young, older, same_day_older, *thirteenth], Policy(3, 0), NOW) == {*young, thirteenth[0]}
    assert keep([*young, older, same_day_older, *thirteenth], Policy(2, 0), NOW) == set(young)


def test_a_backup_dated_after_now_is_kept():
    future = NOW + timedelta(days=3)  # a clock set wrong: never deleted for it
    past = NOW - timedelta(days=40)
    assert keep([future, past], Policy(0, 0), NOW) == {future}
    assert keep([future, NOW - timedelta(days=2)], Policy(0, 0), NOW) == {future}


def test_daily_keeps_the_newest_of_each_of_the_last_n_calendar_days():
    times = []
    for days_back in range(0, 10):
        day = NOW.replace(hour=0, minute=0) - timedelta(days=days_back)
        times += [day + timedelta(hours=1), day + timedelta(hours=2), day + timedelta(hours=23, minutes=59)]
    times = [t for t in times if t <= NOW]
    kept = keep(times, Policy(3, 0), NOW)
    # Today (2026-03-15, before noon: its 01:00 and 02:00 are young), the 14th's and the 13th's last backups.
    assert kept == {at("2026-03-15T01:00:00"), at("2026-03-15T02:00:00"),
                    at("2026-03-14T23:59:00"),  # also young: 12 h 01 min old
                    at("2026-03-13T23:59:00")}
    assert at("2026-03-14T01:00:00") not in kept and at("2026-03-12T23:59:00") not in kept


def test_days_are_utc_calendar_days_whatever_the_zone_given():
    beijing = timezone(timedelta(hours=8))
    # 2026-03-13 23:30 UTC is the 14th in Beijing; both below fall on the 13th in UTC, so only the newer is kept.
    a = datetime(2026, 3, 14, 7, 30, tzinfo=beijing)   # 2026-03-13T23:30Z
    b = datetime(2026, 3, 13, 9, 0, tzinfo=beijing)    # 2026-03-13T01:00Z
    newest = NOW - timedelta(hours=1)
    assert keep([a, b, newest], Policy(3, 0), NOW) == {a.astimezone(UTC), newest}


def test_monthly_keeps_the_newest_of_each_month_across_month_and_year_boundaries():
    now = at("2026-01-10T12:00:00")
    times = [at("2025-10-31T23:59:59"), at("2025-11-01T00:00:00"), at("2025-11-30T23:59:59.999999"),
             at("2025-12-01T00:00:00"), at("2025-12-31T23:59:59"), at("2026-01-01T00:00:00"), at("2026-01-02T03:00:00")]
    kept = keep(times, Policy(0, 3), now)
    # January 2026 (this month), December 2025 and November 2025: the newest of each; October is beyond 3 months.
    assert kept == {at("2026-01-02T03:00:00"), at("2025-12-31T23:59:59"), at("2025-11-30T23:59:59.999999")}
    assert keep(times, Policy(0, 4), now) == kept | {at("2025-10-31T23:59:59")}
    # February, a short month: the 28th's last backup is February's newest, March 1st opens a new month.
    feb = [at("2026-02-27T10:00:00"), at("2026-02-28T23:00:00"), at("2026-03-01T00:30:00")]
    assert keep(feb, Policy(0, 2), NOW) == {at("2026-02-28T23:00:00"), at("2026-03-01T00:30:00")}


def test_daily_and_monthly_together_keep_the_union():
    times = [NOW - timedelta(days=d, hours=1) for d in range(0, 120, 3)]
    kept = keep(times, Policy(7, 3), NOW)
    daily = {t for t in times if (NOW.date() - t.date()).days < 7}
    monthly = {max(t for t in times if (t.year, t.month) == m) for m in {(2026, 3), (2026, 2), (2026, 1)}}
    assert kept == daily | monthly | {max(times)}
    assert len(kept) < len(times)


def test_to_delete_names_the_others_oldest_first_and_never_a_name_it_cannot_read():
    times = [at("2025-01-05T01:00:00"), at("2025-01-06T01:00:00"), at("2026-03-14T01:00:00"), at("2026-03-15T01:00:00")]
    names = [name(t) for t in times] + ["backup-copy-made-by-hand", name(times[0]) + "-tampered"]
    assert to_delete(reversed(names), Policy(2, 1), NOW) == [name(times[0]), name(times[1])]
    assert created_at(name(times[2])) == times[2]
    assert created_at("backup-copy-made-by-hand") is None and created_at(name(times[0]) + "-x") is None


moments = st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2026, 6, 30), timezones=st.just(UTC))


@settings(max_examples=200, deadline=None)
@given(times=st.lists(moments, max_size=40), now=moments, daily=st.integers(0, 40), monthly=st.integers(0, 14))
def test_what_is_kept_holds_for_any_set_of_backups(times, now, daily, monthly):
    policy = Policy(daily, monthly)
    kept = keep(times, policy, now)
    assert kept <= set(times)
    if times:
        assert max(times) in kept
    assert {t for t in times if now - t < timedelta(days=1)} <= kept
    # At most one kept per day among those older than a day, and only within the daily or monthly reach.
    for t in kept - {max(times, default=None)}:
        if now - t >= timedelta(days=1):
            same_day = [u for u in times if u.date() == t.date()]
            same_month = [u for u in times if (u.year, u.month) == (t.year, t.month)]
            in_daily = 0 <= (now.date() - t.date()).days < daily and t == max(same_day)
            in_monthly = 0 <= (now.year * 12 + now.month) - (t.year * 12 + t.month) < monthly and t == max(same_month)
            assert in_daily or in_monthly
    # Pruning twice deletes nothing more.
    assert keep(kept, policy, now) == kept
