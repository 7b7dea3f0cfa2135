"""Every page of ListJobs at once (botocore has no paginator for it)."""

from __future__ import annotations

from typing import Any

from s3bo_cli.backends.base import Backend
from s3bo_cli.errors import S3boError, ServiceError

#: A guard against a service that never stops handing out tokens.
MAX_PAGES = 10_000


def list_all_jobs(backend: Backend, params: dict[str, Any]) -> dict[str, Any]:
    """ListJobs following ``NextToken`` until the last page; returns ``{"Jobs": [...]}``.

    ``MaxResults`` in ``params``, if any, is the page size. A ``NextToken`` in
    ``params`` starts from that page.
    """
    request = dict(params)
    jobs: list[dict[str, Any]] = []
    seen: set[str] = set()
    for _ in range(MAX_PAGES):
        try:
            page = backend.invoke("ListJobs", request)
        except ServiceError as exc:
            exc.operation = exc.operation or "ListJobs"
            raise
        jobs.extend(page.get("Jobs", []))
        token = page.get("NextToken")
        if not token:
            return {"Jobs": jobs}
        if token in seen:
            raise S3boError(f"ListJobs returned the NextToken {token!r} twice; stopping")
        seen.add(token)
        request["NextToken"] = token
    raise S3boError(f"ListJobs returned more than {MAX_PAGES} pages; stopping")
