"""LambdaInvoke jobs: local handlers, payloads, result codes, errors, timeouts."""

from __future__ import annotations

import json
import sys
import textwrap
from collections.abc import Iterator

import pytest

from s3bo_cli.ops import lambda_invoke
from tests.ops import handlers

ARN = "arn:aws:lambda:us-east-1:123456789012:function:{}"


def _op(name: str, **extra) -> dict:
    return {"LambdaInvoke": {"FunctionArn": ARN.format(name), **extra}}


@pytest.fixture(autouse=True)
def _quick(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(lambda_invoke, "RETRY_DELAYS", (0.0, 0.0))
    handlers.release.clear()
    yield
    handlers.release.set()


@pytest.fixture
def photos(dirstore) -> str:
    bucket = dirstore.bucket("photos")
    for key in ("a.jpg", "dir/b c.jpg"):
        dirstore.store.put_object(bucket, key, b"x")
    return bucket


def test_schema_1_event_and_success_message(both, monkeypatch):
    monkeypatch.setenv("S3BO_LAMBDA_echo_fn", "tests.ops.handlers:echo")
    photos = both.bucket("photos")
    done = both.run(_op("echo-fn"), [(photos, "dir/b c.jpg")])
    assert done.job["Status"] == "Complete"
    row = done.row("dir/b%20c.jpg")
    assert row.outcome == ("succeeded", "200", "")
    seen = json.loads(row.message)
    event = seen["event"]
    assert event["invocationSchemaVersion"] == "1.0"
    assert event["job"] == {"id": done.job["JobId"]}
    assert event["invocationId"]
    (task,) = event["tasks"]
    assert task["s3Key"] == "dir/b%20c.jpg"  # URL-encoded, as in the manifest
    assert task["s3VersionId"] is None
    assert task["s3BucketArn"] == f"arn:aws:s3:::{photos}"
    assert task["taskId"]
    assert seen["function"] == "echo-fn"
    assert seen["arn"] == ARN.format("echo-fn")
    assert seen["remaining"] is True


def test_schema_2_event_carries_bucket_name_and_user_arguments(dirstore, photos, monkeypatch):
    monkeypatch.setenv("S3BO_LAMBDA_ECHO", "tests.ops.handlers:echo")
    version = dirstore.store.head_object(photos, "a.jpg").version_id or ""
    op = _op("echo", InvocationSchemaVersion="2.0", UserArguments={"k1": "v1"})
    done = dirstore.run(op, [(photos, "a.jpg", version)] if version else [(photos, "a.jpg")])
    event = json.loads(done.row("a.jpg").message)["event"]
    assert event["invocationSchemaVersion"] == "2.0"
    assert event["job"]["userArguments"] == {"k1": "v1"}
    (task,) = event["tasks"]
    assert task["s3Bucket"] == photos
    assert "s3BucketArn" not in task


def test_version_ids_reach_the_function(dirstore, monkeypatch):
    monkeypatch.setenv("S3BO_LAMBDA_echo", "tests.ops.handlers:echo")
    bucket = dirstore.bucket("versioned", versioning=True)
    written = dirstore.store.put_object(bucket, "v.txt", b"1")
    done = dirstore.run(_op("echo"), [(bucket, "v.txt", written.version_id)])
    row = done.row("v.txt")
    assert row.version_id == written.version_id
    assert json.loads(row.message)["event"]["tasks"][0]["s3VersionId"] == written.version_id


def test_result_codes(dirstore, photos, monkeypatch):
    for name in ("flaky", "busy", "refuse", "forget", "text", "boom"):
        monkeypatch.setenv(f"S3BO_LAMBDA_{name}", f"tests.ops.handlers:{name}")
    rows = [(photos, "a.jpg")]

    flaky = dirstore.run(_op("flaky"), rows).row("a.jpg")
    assert (flaky.outcome, flaky.message) == (("succeeded", "200", ""), "done after 3")

    handlers.busy_calls.clear()
    busy = dirstore.run(_op("busy"), rows).row("a.jpg")
    assert len(handlers.busy_calls) == lambda_invoke.MAX_ATTEMPTS == 3
    assert len(set(handlers.busy_calls)) == 1  # one task, retried
    assert (busy.outcome, busy.message) == (("failed", "200", "TemporaryFailure"), "still busy")

    refused = dirstore.run(_op("refuse"), rows).row("a.jpg")
    assert refused.outcome == ("failed", "200", "PermanentFailure")
    assert refused.message == "cannot process a.jpg"

    assert dirstore.run(_op("forget"), rows).row("a.jpg").outcome == ("succeeded", "200", "")

    text = dirstore.run(_op("text"), rows).row("a.jpg")
    assert text.outcome == ("failed", "200", "PermanentFailure")
    assert text.message.startswith("Invalid JSON returned in Lambda payload")

    boom = dirstore.run(_op("boom"), rows).row("a.jpg")
    assert boom.outcome == ("failed", "200", "PermanentFailure")
    prefix = "Lambda returned function error: "
    assert boom.message.startswith(prefix)
    error = json.loads(boom.message[len(prefix) :])
    assert (error["errorType"], error["errorMessage"]) == ("ValueError", "boom")
    assert "handlers.py" in "".join(error["stackTrace"])


def test_hanging_python_handler_times_out(dirstore, photos, monkeypatch):
    monkeypatch.setenv("S3BO_LAMBDA_hang", "tests.ops.handlers:hang")
    monkeypatch.setenv("S3BO_LAMBDA_TIMEOUT", "0.3")
    row = dirstore.run(_op("hang"), [(photos, "a.jpg")]).row("a.jpg")
    assert row.outcome == ("failed", "200", "PermanentFailure")
    error = json.loads(row.message.removeprefix("Lambda returned function error: "))
    assert error["errorMessage"].endswith("Task timed out after 0.30 seconds")


def test_unknown_function_and_broken_handlers(dirstore, photos, monkeypatch):
    monkeypatch.setenv("S3BO_LAMBDA_nomodule", "tests.ops.no_such_module:handler")
    rows = [(photos, "a.jpg")]
    missing = dirstore.run(_op("nowhere"), rows).row("a.jpg")
    assert missing.outcome == ("failed", "404", "ResourceNotFoundException")
    assert missing.message == f"Function not found: {ARN.format('nowhere')}"
    broken = dirstore.run(_op("nomodule"), rows).row("a.jpg")
    assert broken.outcome == ("failed", "200", "PermanentFailure")
    assert '"errorType":"Runtime.ImportModuleError"' in broken.message


@pytest.fixture
def script(tmp_path):
    """An executable handler whose behaviour its first argument picks."""
    path = tmp_path / "handler.py"
    path.write_text(
        textwrap.dedent(
            """
            import json, os, sys, time
            mode = sys.argv[1]
            event = json.load(sys.stdin)
            task = event["tasks"][0]
            if mode == "garbage":
                print("this is not json")
            elif mode == "hang":
                time.sleep(60)
            elif mode == "exit":
                sys.exit(3)
            else:
                print(json.dumps({
                    "invocationSchemaVersion": event["invocationSchemaVersion"],
                    "invocationId": event["invocationId"],
                    "results": [{"taskId": task["taskId"], "resultCode": "Succeeded",
                                 "resultString": os.environ["AWS_LAMBDA_FUNCTION_NAME"]
                                 + " saw " + task["s3Key"]}],
                }))
            """
        )
    )
    return path


def test_executable_handlers_from_the_mapping_file(dirstore, photos, script, tmp_path, monkeypatch):
    config = tmp_path / "lambda.toml"
    python = json.dumps(sys.executable)
    config.write_text(
        "timeout = 20\n[functions]\n"
        f'ok = {{ command = [{python}, "{script}", "ok"] }}\n'
        f"\"{ARN.format('garbage')}\" = '{sys.executable} {script} garbage'\n"
        f'hang = {{ command = [{python}, "{script}", "hang"], timeout = 0.3 }}\n'
        f'exit = {{ command = [{python}, "{script}", "exit"] }}\n'
    )
    monkeypatch.setenv("S3BO_LAMBDA_CONFIG", str(config))
    rows = [(photos, "a.jpg")]

    ok = dirstore.run(_op("ok"), rows).row("a.jpg")
    assert (ok.outcome, ok.message) == (("succeeded", "200", ""), "ok saw a.jpg")

    garbage = dirstore.run(_op("garbage"), rows).row("a.jpg")
    assert garbage.outcome == ("failed", "200", "PermanentFailure")
    assert garbage.message == "Invalid JSON returned in Lambda payload"

    hang = dirstore.run(_op("hang"), rows).row("a.jpg")
    assert hang.outcome == ("failed", "200", "PermanentFailure")
    assert "Task timed out after 0.30 seconds" in hang.message

    exit_ = dirstore.run(_op("exit"), rows).row("a.jpg")
    assert exit_.outcome == ("failed", "200", "PermanentFailure")
    assert "Runtime exited with error: exit status 3" in exit_.message


def test_mapping_file_in_the_state_dir_and_qualifiers(dirstore, photos, state_dir, monkeypatch):
    state_dir.mkdir(parents=True, exist_ok=True)
    (state_dir / "lambda.toml").write_text('[functions]\n"echo:prod" = "tests.ops.handlers:echo"\n')
    done = dirstore.run(
        {"LambdaInvoke": {"FunctionArn": ARN.format("echo") + ":prod"}}, [(photos, "a.jpg")]
    )
    row = done.row("a.jpg")
    assert row.outcome == ("succeeded", "200", "")
    assert json.loads(row.message)["arn"] == ARN.format("echo") + ":prod"
