"""botocore's own s3control service model, read without importing botocore.

The model file ships inside the botocore package; reading the gzip JSON
directly costs ~15 ms, whereas importing botocore costs ~80 ms, which the
commands that only read local state should not pay.
"""

from __future__ import annotations

import gzip
import importlib.util
import json
from functools import lru_cache
from pathlib import Path
from typing import Any

API_VERSION = "2018-08-20"
XML_NAMESPACE = f"http://awss3control.amazonaws.com/doc/{API_VERSION}/"

#: The eight job operations s3bo mirrors, in the order the aws CLI lists them.
JOB_OPERATIONS = (
    "CreateJob",
    "DescribeJob",
    "ListJobs",
    "UpdateJobPriority",
    "UpdateJobStatus",
    "GetJobTagging",
    "PutJobTagging",
    "DeleteJobTagging",
)


def _model_path() -> Path:
    spec = importlib.util.find_spec("botocore")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("botocore is not installed")
    root = Path(next(iter(spec.submodule_search_locations)))
    return root / "data" / "s3control" / API_VERSION / "service-2.json.gz"


@lru_cache(maxsize=1)
def service_model() -> dict[str, Any]:
    """The whole s3control model as a dict (cached)."""
    with gzip.open(_model_path(), "rt", encoding="utf-8") as fh:
        return json.load(fh)


def shape(name: str) -> dict[str, Any]:
    """A shape definition by name."""
    return service_model()["shapes"][name]


def operation(name: str) -> dict[str, Any]:
    """An operation definition (http, input, output, errors) by name."""
    return service_model()["operations"][name]


def input_shape_name(op: str) -> str:
    return operation(op)["input"]["shape"]


def output_shape_name(op: str) -> str | None:
    out = operation(op).get("output")
    return out["shape"] if out else None


def enum_values(shape_name: str) -> list[str]:
    """The enum values of a string shape (e.g. ``JobStatus``)."""
    return list(shape(shape_name).get("enum", []))
