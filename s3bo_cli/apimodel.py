"""botocore's own s3control service model, read without importing botocore.

The model file ships inside the botocore package. Importing botocore costs
~80 ms and parsing the whole gzip JSON ~10 ms; commands that only read local
state should pay neither. So the shapes the job operations use (~160 of the
model's ~560, without documentation) are cached as plain JSON in the user
cache directory, keyed by the model file's size and modification time, and
loaded from there in a fraction of a millisecond.
"""

from __future__ import annotations

import gzip
import importlib.machinery
import json
import os
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
    # PathFinder looks at sys.path only: a botocore another package vendored and
    # placed in sys.modules (awscli does) is not the one whose data we want.
    spec = importlib.machinery.PathFinder.find_spec("botocore")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("botocore is not installed")
    root = Path(next(iter(spec.submodule_search_locations)))
    return root / "data" / "s3control" / API_VERSION / "service-2.json.gz"


@lru_cache(maxsize=1)
def service_model() -> dict[str, Any]:
    """The whole s3control model as a dict (cached)."""
    with gzip.open(_model_path(), "rt", encoding="utf-8") as fh:
        return json.load(fh)


def _strip_docs(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip_docs(v) for k, v in value.items() if k != "documentation"}
    if isinstance(value, list):
        return [_strip_docs(v) for v in value]
    return value


def _job_subset(full: dict[str, Any]) -> dict[str, Any]:
    """The job operations and every shape they reach, documentation removed."""
    shapes: dict[str, Any] = {}

    def reach(name: str) -> None:
        if name in shapes:
            return
        definition = full["shapes"][name]
        shapes[name] = _strip_docs(definition)
        refs = [m["shape"] for m in definition.get("members", {}).values()]
        refs += [definition[k]["shape"] for k in ("member", "key", "value") if k in definition]
        for ref in refs:
            reach(ref)

    operations = {}
    for op in JOB_OPERATIONS:
        operations[op] = _strip_docs(full["operations"][op])
        refs = [operations[op]["input"]["shape"]]
        refs += [operations[op]["output"]["shape"]] if "output" in operations[op] else []
        refs += [e["shape"] for e in operations[op].get("errors", [])]
        for ref in refs:
            reach(ref)
    return {"metadata": full["metadata"], "operations": operations, "shapes": shapes}


def _cache_dir() -> Path:
    env = os.environ.get("S3BO_CACHE_DIR")
    if env:
        return Path(env)
    from platformdirs import user_cache_path

    return user_cache_path("s3bo", appauthor=False)


@lru_cache(maxsize=1)
def job_model() -> dict[str, Any]:
    """The job operations' part of the model, from the cache when it is current."""
    source = _model_path()
    stat = source.stat()
    cache = _cache_dir() / f"s3control-jobs-{stat.st_size}-{stat.st_mtime_ns}.json"
    try:
        return json.loads(cache.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        pass
    subset = _job_subset(service_model())
    try:
        from s3bo_cli.state.files import write_json_text

        write_json_text(cache, json.dumps(subset, separators=(",", ":")))
    except OSError:
        pass  # a read-only cache only costs speed
    return subset


def shape(name: str) -> dict[str, Any]:
    """A shape definition by name."""
    found = job_model()["shapes"].get(name)
    return found if found is not None else service_model()["shapes"][name]


def operation(name: str) -> dict[str, Any]:
    """An operation definition (http, input, output, errors) by name."""
    found = job_model()["operations"].get(name)
    return found if found is not None else service_model()["operations"][name]


def input_shape_name(op: str) -> str:
    return operation(op)["input"]["shape"]


def output_shape_name(op: str) -> str | None:
    out = operation(op).get("output")
    return out["shape"] if out else None


def enum_values(shape_name: str) -> list[str]:
    """The enum values of a string shape (e.g. ``JobStatus``)."""
    return list(shape(shape_name).get("enum", []))


def ordered(shape_name: str, value: Any) -> Any:
    """``value`` with every structure's members in the model's order, as the service
    sends them (members the model does not know keep their place at the end)."""
    definition = shape(shape_name)
    kind = definition["type"]
    if kind == "structure" and isinstance(value, dict):
        members = definition.get("members", {})
        result = {
            name: ordered(members[name]["shape"], value[name]) for name in members if name in value
        }
        result.update({k: v for k, v in value.items() if k not in members})
        return result
    if kind == "list" and isinstance(value, list):
        return [ordered(definition["member"]["shape"], item) for item in value]
    if kind == "map" and isinstance(value, dict):
        return {k: ordered(definition["value"]["shape"], v) for k, v in value.items()}
    return value
