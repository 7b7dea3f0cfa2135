"""The ``s3bo`` logger, set up on first use.

``logging`` costs ~5 ms to import, so the commands that never log (most
read-only ones) should not import it. Code logs through :func:`get`; the CLI
says once, cheaply, how verbose to be.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import logging

_debug = False
_ready = False


def set_debug(debug: bool) -> None:
    """Choose the level; takes effect now if logging is in use, else on first :func:`get`."""
    global _debug, _ready
    _debug = debug
    _ready = False
    if debug or "logging" in sys.modules:
        get()


def get() -> logging.Logger:
    """The configured ``s3bo`` logger: ``s3bo: warning: ...`` lines on stderr."""
    global _ready
    import logging

    log = logging.getLogger("s3bo")
    if not _ready:
        for handler in list(log.handlers):
            if isinstance(handler, _EchoHandler.cls()):
                log.removeHandler(handler)
        log.addHandler(_EchoHandler.cls()())
        log.propagate = False
        log.setLevel(logging.DEBUG if _debug else logging.WARNING)
        _ready = True
    return log


class _EchoHandler:
    """Builds the handler class lazily, so that this module imports no logging."""

    _cls: type | None = None

    @classmethod
    def cls(cls) -> type:
        if cls._cls is None:
            import logging

            import click

            class EchoHandler(logging.Handler):
                def emit(self, record: logging.LogRecord) -> None:
                    message = record.getMessage()
                    if record.exc_info and _debug:
                        message += "\n" + logging.Formatter().formatException(record.exc_info)
                    click.echo(f"s3bo: {record.levelname.lower()}: {message}", err=True)

            cls._cls = EchoHandler
        return cls._cls
