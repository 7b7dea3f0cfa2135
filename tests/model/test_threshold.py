"""One failure threshold: the service's default, parsed and applied the same everywhere."""

from __future__ import annotations

import pytest

from s3bo_cli.model.threshold import FailureThreshold


def test_the_default_is_the_services() -> None:
    default = FailureThreshold.of(None)
    assert not default.exceeded(999, 999)
    assert default.exceeded(1000, 501)
    assert not default.exceeded(1000, 500)
    assert str(default) == "more than 50% of tasks failed once 1000 have run"


def test_parse_round_trips_through_job_settings() -> None:
    parsed = FailureThreshold.parse("25%:10")
    assert FailureThreshold.of(parsed.settings()) == parsed == FailureThreshold(0.25, 10)
    assert FailureThreshold.parse("30%").min_tasks == 1000
    none = FailureThreshold.parse("none")
    assert not none.exceeded(5, 5) and not none.exceeded(0, 0)


@pytest.mark.parametrize("text", ["abc", "150%", "10%:0", "10%:x"])
def test_bad_values(text: str) -> None:
    with pytest.raises(ValueError, match="PERCENT"):
        FailureThreshold.parse(text)
