"""Where things live in the state directory.

<state-dir>/
  accounts/<account>/<region>/
    jobs/<job-id>/job.json          the job (DescribeJob shape + engine fields)
    jobs/<job-id>/job.lock          held for every read-modify-write of the job
    jobs/<job-id>/...               task results and manifest index (engine)
    tokens/<sha256>.json            ClientRequestToken -> JobId (idempotency)
    index/<Status>/<created>~<id>~<priority>   the job index (engine/jobindex.py)
    namespace.lock                  held while a token is claimed
  buckets/                          the DirStore's default root
  worker/                           worker lock and log (engine)
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path


@dataclass(frozen=True)
class Namespace:
    """One account and region inside a state directory."""

    state_dir: Path
    account_id: str
    region: str

    @cached_property
    def root(self) -> Path:
        return self.state_dir / "accounts" / self.account_id / self.region

    @cached_property
    def jobs_dir(self) -> Path:  # computed once: the engine asks for it per job, per step
        return self.root / "jobs"

    def job_dir(self, job_id: str) -> Path:
        return self.jobs_dir / job_id

    def job_file(self, job_id: str) -> Path:
        return self.job_dir(job_id) / "job.json"

    def job_lock(self, job_id: str) -> Path:
        return self.job_dir(job_id) / "job.lock"

    def token_file(self, token: str) -> Path:
        digest = hashlib.sha256(token.encode("utf-8")).hexdigest()
        return self.root / "tokens" / f"{digest}.json"

    @property
    def lock_file(self) -> Path:
        return self.root / "namespace.lock"


def namespaces(state_dir: Path) -> list[Namespace]:
    """Every account/region namespace that exists in a state directory."""
    found = []
    accounts = state_dir / "accounts"
    if accounts.is_dir():
        for account in sorted(accounts.iterdir()):
            if account.is_dir():
                for region in sorted(account.iterdir()):
                    if region.is_dir():
                        found.append(Namespace(state_dir, account.name, region.name))
    return found
