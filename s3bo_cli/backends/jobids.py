"""Whole job ids from the unique prefixes people type (`describe-job --job-id bce9827b`).

A job id is a UUID; anything shorter is looked up among the account's jobs with
ListJobs, so the same works on the local engine and on AWS.
"""

from __future__ import annotations

from s3bo_cli.backends.base import Backend
from s3bo_cli.errors import UsageError

#: The length of a job id (a UUID): nothing to look up at this length or more.
JOB_ID_LENGTH = 36
#: Ids listed in the error for an ambiguous prefix.
SHOWN = 5


def resolve_job_id(backend: Backend, account_id: str, text: str) -> str:
    """The one job id starting with ``text``; ``text`` itself when no job does.

    No match is left to the service, whose NotFound error says it best; more
    than one is a usage error listing them.
    """
    if len(text) >= JOB_ID_LENGTH or not text:
        return text
    from s3bo_cli.backends.paging import list_all_jobs

    jobs = list_all_jobs(backend, {"AccountId": account_id})["Jobs"]
    matches = sorted({job["JobId"] for job in jobs if job["JobId"].startswith(text)})
    if len(matches) == 1:
        return matches[0]
    if not matches:
        return text
    shown = ", ".join(matches[:SHOWN]) + (", ..." if len(matches) > SHOWN else "")
    raise UsageError(
        f"job id prefix {text!r} matches {len(matches)} jobs ({shown}): give more of the id"
    )
