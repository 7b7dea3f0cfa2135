"""Safety-net tests run jobs through the operations harness, on the DirStore and on moto."""

from __future__ import annotations

from tests.beyond.conftest import aws, local, stand_in  # noqa: F401 - the AWS stand-in
from tests.ops.conftest import both, dirstore  # noqa: F401 - fixtures shared with the ops tests
