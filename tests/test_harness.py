"""The test harness itself: a missing tier is loud outside CI and fatal in CI."""

import pytest

from tests.services import missing_tier


def test_missing_tier_fails_the_run_when_ci_is_set(monkeypatch):
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.UsageError, match="CI=true"):
        missing_tier("Redis", "redis-server not found")


def test_missing_tier_outside_ci_prints_one_loud_line(monkeypatch, capsys):
    monkeypatch.delenv("CI", raising=False)
    missing_tier("Redis", "redis-server not found")
    lines = capsys.readouterr().err.strip().splitlines()
    assert lines == ["!!!!! TEST TIER SKIPPED: Redis: redis-server not found !!!!!"]
