"""Whether the suite also ran against Amazon S3 itself (path 4, opt-in)."""

from __future__ import annotations

import pytest

from tests.conformance.conftest import PATHS, real_aws_missing


def test_the_real_aws_path_is_opt_in():
    reason = real_aws_missing()
    if reason:
        pytest.skip(reason)
    assert "aws" in PATHS
