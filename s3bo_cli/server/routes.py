"""Route an HTTP method and path to an S3 Control operation, from the model's request URIs."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import unquote

from s3bo_cli import apimodel
from s3bo_cli.errors import ServiceError


class MethodNotAllowed(ServiceError):
    """A known path asked with a method it does not take; ``allow`` lists the ones it does."""

    code, http_status = "MethodNotAllowed", 405

    def __init__(self, message: str, *, allow: list[str]) -> None:
        super().__init__(message)
        self.allow = allow


@dataclass(frozen=True)
class Route:
    """One operation's ``http.requestUri``, split into literal and ``{label}`` segments."""

    operation: str
    method: str
    segments: tuple[str, ...]

    def match(self, parts: list[str]) -> dict[str, str] | None:
        """The URI labels when ``parts`` (decoded path segments) fit this route, else None."""
        labels: dict[str, str] = {}
        for index, segment in enumerate(self.segments):
            if segment.startswith("{") and segment.endswith("+}"):  # greedy label
                rest = parts[index:]
                if not rest:
                    return None
                labels[segment[1:-2]] = "/".join(rest)
                return labels
            if index >= len(parts):
                return None
            if segment.startswith("{") and segment.endswith("}"):
                if not parts[index]:
                    return None
                labels[segment[1:-1]] = parts[index]
            elif segment != parts[index]:
                return None
        return labels if len(parts) == len(self.segments) else None


def _split(path: str) -> list[str]:
    """Path segments, each URL-decoded after splitting (so ``%2F`` stays inside a label)."""
    path = path.split("?", 1)[0].rstrip("/")
    return [unquote(part) for part in path.split("/")[1:]]


@lru_cache(maxsize=1)
def routes() -> tuple[Route, ...]:
    """Every operation of the model, the job operations first."""
    operations = apimodel.service_model()["operations"]
    names = list(apimodel.JOB_OPERATIONS) + sorted(set(operations) - set(apimodel.JOB_OPERATIONS))
    table = []
    for name in names:
        http = operations[name]["http"]
        template = http["requestUri"].split("?", 1)[0]
        table.append(Route(name, http["method"].upper(), tuple(_split(template))))
    return tuple(table)


def resolve(method: str, path: str) -> tuple[str, dict[str, str]]:
    """The job operation for ``method`` and ``path``, and its URI labels.

    Raises 404 for a path no operation serves, 405 for a known path with the
    wrong method, and 501 for S3 Control operations other than the job API.
    """
    parts = _split(path)
    allowed: list[str] = []
    for route in routes():
        labels = route.match(parts)
        if labels is None:
            continue
        if route.method != method.upper():
            allowed.append(route.method)
            continue
        if route.operation not in apimodel.JOB_OPERATIONS:
            raise ServiceError(
                f"s3bo serve implements the Batch Operations job API only, not {route.operation}",
                code="NotImplemented",
                http_status=501,
                operation=route.operation,
            )
        return route.operation, labels
    if allowed:
        raise MethodNotAllowed(
            f"The specified method is not allowed against this resource: {method} {path}",
            allow=sorted(set(allowed)),
        )
    raise ServiceError(
        f"No S3 Control operation is served at {path}",
        code="UnknownOperationException",
        http_status=404,
    )
