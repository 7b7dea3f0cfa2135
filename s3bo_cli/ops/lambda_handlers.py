"""Local stand-ins for Lambda functions: which handler a FunctionArn names, and calling it.

A handler is either

* a Python callable, ``module:function``, called in the worker process as
  ``function(event, context)``, the way the Lambda Python runtime calls it (the
  module must be importable there: installed, on ``PYTHONPATH``, or in the
  directory the worker started in); or
* an executable (any other value: a command line, split as a shell would), run
  with the event as JSON on stdin; what it prints on stdout is the response.

The mapping is looked up again for every task, first match wins:

1. The environment variable ``S3BO_LAMBDA_<name>``, ``-`` in the function name
   becoming ``_``: function ``my-fn`` -> ``S3BO_LAMBDA_my_fn`` (or ``S3BO_LAMBDA_MY_FN``).
2. The mapping file, ``$S3BO_LAMBDA_CONFIG`` or else ``lambda.toml`` in the state
   directory; its keys are tried as written in the job (a full ARN), as
   ``name:qualifier``, then as ``name``::

       timeout = 30                               # seconds, for every function
       [functions]
       my-fn = "mypkg.handlers:handler"           # Python
       resize = "/usr/local/bin/resize --fast"    # an executable
       thumbs = { command = ["node", "thumbs.js"], timeout = 120 }
       "audit:prod" = { handler = "audit.main:handler" }

Timeout: the function's own ``timeout``, else ``$S3BO_LAMBDA_TIMEOUT``, else the
file's top-level ``timeout``, else 30 seconds. A Python handler runs on a daemon
thread and is abandoned when it overruns (it goes on until it returns or the
worker exits); an executable is killed, with its process group.
"""

from __future__ import annotations

import importlib
import json
import logging
import os
import re
import shlex
import signal
import subprocess
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from s3bo_cli import clock
from s3bo_cli.errors import S3Error

log = logging.getLogger("s3bo")

DEFAULT_TIMEOUT = 30.0
CONFIG_ENV = "S3BO_LAMBDA_CONFIG"
TIMEOUT_ENV = "S3BO_LAMBDA_TIMEOUT"
ENV_PREFIX = "S3BO_LAMBDA_"
CONFIG_NAME = "lambda.toml"

_ARN = re.compile(
    r"^(?:arn:(?P<partition>aws[a-zA-Z-]*)?:lambda:)?"
    r"(?:(?P<region>[a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d):)?"
    r"(?:(?P<account>\d{12}):)?(?:function:)?"
    r"(?P<name>[a-zA-Z0-9_-]+)(?::(?P<qualifier>\$LATEST|[a-zA-Z0-9_-]+))?$"
)
_PYTHON_TARGET = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$")
_files: dict[Path, tuple[int, dict[str, Any]]] = {}


@dataclass(frozen=True)
class Handler:
    """One function as the local engine runs it."""

    name: str
    arn: str  # the full function ARN, qualifier included
    region: str
    target: str | tuple[str, ...]  # "module:function", or an argv
    timeout: float


class FunctionError(Exception):
    """The function failed; ``payload`` is the error document Lambda returns."""

    def __init__(self, payload: dict[str, Any]) -> None:
        super().__init__(payload.get("errorMessage", ""))
        self.payload = payload


# -- finding the handler ------------------------------------------------------------


def resolve(
    function_arn: str, *, region: str, account_id: str, settings: dict[str, Any] | None = None
) -> Handler:
    """The handler for a job's FunctionArn; S3Error as Lambda fails when there is none."""
    match = _ARN.match(function_arn)
    if match is None:
        raise S3Error(
            "ValidationException",
            400,
            f"1 validation error detected: Value '{function_arn}' at 'functionName' "
            "failed to satisfy constraint: Member must satisfy regular expression pattern",
        )
    name, qualifier = match["name"], match["qualifier"]
    region = match["region"] or region
    arn = (
        f"arn:{match['partition'] or 'aws'}:lambda:{region}:{match['account'] or account_id}"
        f":function:{name}" + (f":{qualifier}" if qualifier else "")
    )
    env_name = ENV_PREFIX + name.replace("-", "_")
    value: Any = os.environ.get(env_name) or os.environ.get(env_name.upper())
    config = _load_config(settings or {})
    functions = config.get("functions") or {}
    if not value:
        keys = [function_arn, f"{name}:{qualifier}" if qualifier else None, name]
        value = next((functions[k] for k in keys if k and k in functions), None)
    if not value:
        raise S3Error("ResourceNotFoundException", 404, f"Function not found: {arn}")
    timeout = os.environ.get(TIMEOUT_ENV) or config.get("timeout") or DEFAULT_TIMEOUT
    if isinstance(value, dict):
        timeout = value.get("timeout", timeout)
        value = value.get("handler") or value.get("command")
    return Handler(name, arn, region, _target(name, value), _seconds(timeout))


def _target(name: str, value: Any) -> str | tuple[str, ...]:
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return tuple(value)
    if isinstance(value, str) and value.strip():
        value = value.strip()
        return value if _PYTHON_TARGET.match(value) else tuple(shlex.split(value))
    raise S3Error(
        "ServiceException", 500, f"The local handler for function {name} is not valid: {value!r}"
    )


def _seconds(value: Any) -> float:
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        raise S3Error(
            "ServiceException", 500, f"Lambda timeout must be a number of seconds, not {value!r}"
        ) from None
    return seconds if seconds > 0 else DEFAULT_TIMEOUT


def config_path(settings: dict[str, Any]) -> Path:
    """Where the mapping file is: $S3BO_LAMBDA_CONFIG, else <state-dir>/lambda.toml."""
    env = os.environ.get(CONFIG_ENV)
    if env:
        return Path(env).expanduser()
    state_dir = settings.get("state_dir")
    if state_dir:
        return Path(state_dir) / CONFIG_NAME
    from s3bo_cli.config import default_state_dir

    return default_state_dir() / CONFIG_NAME


def _load_config(settings: dict[str, Any]) -> dict[str, Any]:
    """The mapping file's contents ({} without one), re-read when it changes."""
    path = config_path(settings)
    try:
        mtime = path.stat().st_mtime_ns
    except OSError:
        return {}
    cached = _files.get(path)
    if cached and cached[0] == mtime:
        return cached[1]
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise S3Error("ServiceException", 500, f"Cannot read {path}: {exc}") from None
    _files[path] = (mtime, data)
    return data


# -- calling it ---------------------------------------------------------------------


class LambdaContext:
    """The ``context`` argument a Python handler receives, as in the Lambda runtime."""

    memory_limit_in_mb = 128
    log_stream_name = "s3bo-local"

    def __init__(self, handler: Handler, request_id: str, deadline: float) -> None:
        self.function_name = handler.name
        self.function_version = "$LATEST"
        self.invoked_function_arn = handler.arn
        self.aws_request_id = request_id
        self.log_group_name = f"/aws/lambda/{handler.name}"
        self._deadline = deadline

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def call(handler: Handler, event: dict[str, Any]) -> bytes:
    """Invoke synchronously; the response payload, or FunctionError as Lambda reports it."""
    request_id = str(uuid.uuid4())
    if isinstance(handler.target, str):
        return _call_python(handler, handler.target, event, request_id)
    return _call_command(handler, handler.target, event, request_id)


def _timed_out(handler: Handler, request_id: str) -> FunctionError:
    return FunctionError(
        {
            "errorMessage": f"{clock.now_iso()} {request_id} "
            f"Task timed out after {handler.timeout:.2f} seconds"
        }
    )


def _load_python(target: str, request_id: str) -> Callable[..., Any]:
    module_name, _, attr = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:
        raise FunctionError(
            {
                "errorMessage": f"Unable to import module '{module_name}': {exc}",
                "errorType": "Runtime.ImportModuleError",
                "requestId": request_id,
                "stackTrace": [],
            }
        ) from None
    function = getattr(module, attr, None)
    if not callable(function):
        raise FunctionError(
            {
                "errorMessage": f"Handler '{attr}' missing on module '{module_name}'",
                "errorType": "Runtime.HandlerNotFound",
                "requestId": request_id,
                "stackTrace": [],
            }
        )
    return function


def _call_python(handler: Handler, target: str, event: dict[str, Any], request_id: str) -> bytes:
    outcome: dict[str, Any] = {}
    done = threading.Event()
    context = LambdaContext(handler, request_id, time.monotonic() + handler.timeout)

    def run() -> None:
        try:
            result = _load_python(target, request_id)(event, context)
            try:
                outcome["payload"] = json.dumps(result).encode()
            except (TypeError, ValueError) as exc:
                raise FunctionError(
                    {
                        "errorMessage": f"Unable to marshal response: {exc}",
                        "errorType": "Runtime.MarshalError",
                        "requestId": request_id,
                        "stackTrace": [],
                    }
                ) from None
        except FunctionError as exc:
            outcome["error"] = exc
        except BaseException as exc:  # the handler's own error, SystemExit included
            frames = traceback.extract_tb(exc.__traceback__)[1:]
            outcome["error"] = FunctionError(
                {
                    "errorMessage": str(exc),
                    "errorType": type(exc).__name__,
                    "requestId": request_id,
                    "stackTrace": traceback.format_list(frames),
                }
            )
        finally:
            done.set()

    thread = threading.Thread(target=run, name=f"s3bo-lambda-{handler.name}", daemon=True)
    thread.start()
    if not done.wait(handler.timeout):
        log.warning("function %s timed out; its handler thread is abandoned", handler.name)
        raise _timed_out(handler, request_id)
    if "error" in outcome:
        raise outcome["error"]
    return outcome["payload"]


def _call_command(
    handler: Handler, argv: tuple[str, ...], event: dict[str, Any], request_id: str
) -> bytes:
    env = {
        **os.environ,
        "AWS_LAMBDA_FUNCTION_NAME": handler.name,
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_TIMEOUT": f"{handler.timeout:g}",
        "AWS_REGION": handler.region,
        "S3BO_LAMBDA_REQUEST_ID": request_id,
    }
    try:
        proc = subprocess.Popen(
            list(argv),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            start_new_session=os.name == "posix",
        )
    except OSError as exc:
        raise FunctionError(
            {
                "errorMessage": f"RequestId: {request_id} Error: fork/exec {argv[0]}: "
                f"{exc.strerror or exc}",
                "errorType": "Runtime.InvalidEntrypoint",
            }
        ) from None
    try:
        out, err = proc.communicate(json.dumps(event).encode(), timeout=handler.timeout)
    except subprocess.TimeoutExpired:
        _kill(proc)
        raise _timed_out(handler, request_id) from None
    if err:
        log.info("function %s stderr: %s", handler.name, err.decode(errors="replace").rstrip())
    if proc.returncode != 0:
        code = proc.returncode
        reason = f"signal: {_signal_name(-code)}" if code < 0 else f"exit status {code}"
        raise FunctionError(
            {
                "errorMessage": f"RequestId: {request_id} Error: Runtime exited with error: "
                + reason,
                "errorType": "Runtime.ExitError",
            }
        )
    return out


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name.removeprefix("SIG").lower()
    except ValueError:
        return str(number)


def _kill(proc: subprocess.Popen[bytes]) -> None:
    """Kill a timed-out executable and whatever it started."""
    try:
        if os.name == "posix":
            os.killpg(proc.pid, signal.SIGKILL)
        else:  # pragma: no cover
            proc.kill()
    except (ProcessLookupError, PermissionError):
        pass
    try:
        proc.communicate(timeout=5)
    except subprocess.TimeoutExpired:  # pragma: no cover - a child escaped the group
        log.warning("timed-out function process %s did not exit", proc.pid)
