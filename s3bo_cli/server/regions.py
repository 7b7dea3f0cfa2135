"""The region a request is for, and the backend that serves that region.

Jobs are regional, as on AWS: a client signs each request for a region (the
SigV4 credential scope) and may name it in the host name
(``s3-control.us-west-2.amazonaws.com``). A request with neither is for the
server's own region (``s3bo --region``).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING

from s3bo_cli.server import auth

if TYPE_CHECKING:
    from s3bo_cli.backends.base import Backend

_HOST = re.compile(
    r"(?:^|\.)s3-control(?:-fips)?(?:\.dualstack)?\.(?P<region>[a-z0-9-]+)"
    r"\.amazonaws\.com(?:\.cn)?\.?$"
)
#: A region from a request becomes a folder name in the state directory: letters,
#: digits and hyphens only (us-west-2, us-gov-west-1, and names like "local").
_REGION = re.compile(r"[a-z0-9][a-z0-9-]{0,49}")


def host_region(host: str) -> str | None:
    """The region an AWS S3 Control host name names, else None (``s3control.local``)."""
    name = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    match = _HOST.search(name.lower())
    return match["region"] if match else None


def request_region(headers: Mapping[str, str], host: str, default: str) -> str:
    """The credential scope's region, else the host name's, else ``default``.

    A scope and a host that disagree get AWS's 400, as do regions that are not
    region names.
    """
    signed = auth.authorization(headers)
    named = host_region(host)
    if signed is not None and named is not None and signed.region != named:
        raise auth.AuthError(
            "AuthorizationHeaderMalformed",
            f"The authorization header is malformed; the region '{signed.region}' is wrong; "
            f"expecting '{named}'",
            http_status=400,
        )
    region = signed.region if signed is not None else named
    if region is None:
        return default
    if not _REGION.fullmatch(region):
        raise auth.AuthError(
            "AuthorizationHeaderMalformed",
            f"The authorization header is malformed; the region '{region[:64]}' is not valid",
            http_status=400,
        )
    return region


class RegionalBackends:
    """The server's backend for its own region, and the same backend for any other."""

    def __init__(self, backend: Backend) -> None:
        self.home = backend
        self.region: str = backend.settings.region or "us-east-1"
        self._others: dict[str, Backend] = {}
        self._lock = threading.Lock()

    def for_region(self, region: str) -> Backend:
        if region == self.region:
            return self.home
        with self._lock:
            if region not in self._others:
                self._others[region] = self.home.for_region(region)
            return self._others[region]
