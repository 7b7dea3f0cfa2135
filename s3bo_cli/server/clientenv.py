"""The environment that points an unmodified AWS program at ``s3bo serve``.

boto3 and the aws CLI put the account id in front of the S3 Control host name
(``123456789012.s3control.local``), which no resolver knows: the server is
reached as an HTTP proxy instead, and only S3 Control goes through it.
Every other service (S3, STS, ...) goes straight to the server's S3 endpoint
(moto, MinIO...) when it has one.
"""

from __future__ import annotations

import os
import shlex
from pathlib import PurePath
from urllib.parse import urlsplit

#: The S3 Control endpoint programs are given; the proxy makes it reachable.
CONTROL_ENDPOINT = "http://s3control.local"
SHELLS = ("bash", "zsh", "fish", "powershell")
#: Keys for an offline server without --require-auth (moto accepts any).
OFFLINE_KEY = "testing"


def client_host(host: str) -> str:
    """The address a client on this machine dials for a server bound to ``host``."""
    if host in ("", "0.0.0.0"):
        return "127.0.0.1"
    if host == "::":
        return "[::1]"
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


def variables(
    *,
    host: str,
    port: int,
    region: str,
    s3_endpoint_url: str | None,
    key_id: str | None = None,
    secret: str | None = None,
) -> dict[str, str]:
    """Name to value, in the order they are printed."""
    proxy = f"http://{client_host(host)}:{port}"
    found: dict[str, str] = {}
    if s3_endpoint_url:
        found["AWS_ENDPOINT_URL"] = s3_endpoint_url  # S3, STS, IAM...: the S3 endpoint
    found["AWS_ENDPOINT_URL_S3_CONTROL"] = CONTROL_ENDPOINT
    # Both spellings: lower case wins in Python's urllib, curl reads only lower case.
    bypass = ["127.0.0.1", "localhost", "::1"]
    s3_host = urlsplit(s3_endpoint_url).hostname if s3_endpoint_url else None
    if s3_host and s3_host not in bypass:
        bypass.append(s3_host)  # S3 goes to its endpoint directly, never through the server
    for name in ("HTTP_PROXY", "http_proxy"):
        found[name] = proxy
    for name in ("NO_PROXY", "no_proxy"):
        found[name] = ",".join(bypass)
    found["AWS_ACCESS_KEY_ID"] = key_id or OFFLINE_KEY
    found["AWS_SECRET_ACCESS_KEY"] = secret or OFFLINE_KEY
    found["AWS_DEFAULT_REGION"] = region
    return found


def default_shell() -> str:
    """The shell named by ``$SHELL`` when it is one of :data:`SHELLS`, else bash."""
    name = PurePath(os.environ.get("SHELL", "")).name
    if name in ("pwsh", "powershell"):
        return "powershell"
    return name if name in SHELLS else "bash"


def render(values: dict[str, str], shell: str, comments: list[str] | None = None) -> str:
    """``values`` as commands that set them in ``shell``, after ``# comment`` lines."""
    lines = [f"# {comment}" for comment in comments or []]
    for name, value in values.items():
        if shell == "fish":
            escaped = value.replace("\\", "\\\\").replace("'", "\\'")
            lines.append(f"set -gx {name} '{escaped}'")
        elif shell == "powershell":
            lines.append(f"$env:{name} = '{value.replace(chr(39), chr(39) * 2)}'")
        else:
            lines.append(f"export {name}={shlex.quote(value)}")
    return "\n".join(lines) + "\n"


def answers(host: str, port: int) -> bool:
    """Whether something accepts connections on ``host:port`` (a running server)."""
    import socket

    try:
        with socket.create_connection((host.strip("[]"), port), timeout=0.5):
            return True
    except OSError:
        return False
