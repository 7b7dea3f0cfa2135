"""render(): format choice, --query errors, broken pipes, and what gets imported."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import textwrap

import pytest

from s3bo_cli.errors import UsageError
from s3bo_cli.output import render, resolve_format


def test_resolve_format() -> None:
    assert resolve_format(None, is_tty=True) == "table"
    assert resolve_format(None, is_tty=False) == "json"
    assert resolve_format("text", is_tty=True) == "text"
    with pytest.raises(UsageError, match="yaml"):
        resolve_format("yaml", is_tty=False)


def test_bad_query_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match=r"Bad value for --query Jobs\[") as info:
        render(
            {"Jobs": []},
            operation="ListJobs",
            fmt="json",
            query="Jobs[",
            stream=io.StringIO(),
            color=False,
            is_tty=False,
        )
    assert "\n" not in str(info.value)


class _ClosedPipe(io.StringIO):
    def write(self, s: str) -> int:
        raise BrokenPipeError(32, "Broken pipe")


@pytest.mark.parametrize("fmt", ["json", "text", "table"])
def test_broken_pipe_is_quiet(fmt: str) -> None:
    render(
        {"JobId": "a"},
        operation="CreateJob",
        fmt=fmt,
        query=None,
        stream=_ClosedPipe(),
        color=False,
        is_tty=False,
    )


def _run(code: str, *, stdout: int | None = subprocess.PIPE) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
        check=False,
        timeout=60,
    )


def test_json_and_text_do_not_import_rich() -> None:
    proc = _run(
        """
        import io, sys
        from s3bo_cli.output import render
        for fmt in ("json", "text"):
            render({"Job": {"JobId": "a", "Status": "Active"}}, operation="DescribeJob",
                   fmt=fmt, query="Job", stream=io.StringIO(), color=True, is_tty=True)
        loaded = sorted(m for m in sys.modules if m == "rich" or m.startswith("rich."))
        print(loaded)
        render({"JobId": "a"}, operation="CreateJob", fmt="table", query=None,
               stream=io.StringIO(), color=True, is_tty=True)
        print("rich" in sys.modules)
        """
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == ["[]", "True"]


def test_jmespath_imported_only_for_a_query() -> None:
    proc = _run(
        """
        import io, sys
        from s3bo_cli.output import render
        render({"JobId": "a"}, operation="CreateJob", fmt="json", query=None,
               stream=io.StringIO(), color=False, is_tty=False)
        print("jmespath" in sys.modules)
        """
    )
    assert proc.stdout.split() == ["False"], proc.stderr


@pytest.mark.parametrize(("fmt", "count"), [("json", 20000), ("text", 20000), ("table", 2000)])
def test_closed_stdout_pipe_exits_quietly(fmt: str, count: int) -> None:
    code = f"""
        import sys
        from s3bo_cli.output import render
        jobs = [{{"JobId": f"job-{{i}}", "Status": "Active"}} for i in range({count})]
        render({{"Jobs": jobs}}, operation="ListJobs", fmt="{fmt}", query=None,
               stream=sys.stdout, color=False, is_tty=False)
        """
    proc = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    first = proc.stdout.readline()
    proc.stdout.close()
    stderr = proc.stderr.read().decode()
    proc.stderr.close()
    assert proc.wait(timeout=60) == 0
    assert first
    assert stderr == ""


def test_text_and_json_agree_on_content() -> None:
    result = {"JobId": "abc", "Priority": 5}
    out = io.StringIO()
    render(
        result,
        operation="UpdateJobPriority",
        fmt="json",
        query=None,
        stream=out,
        color=False,
        is_tty=False,
    )
    assert json.loads(out.getvalue()) == result
