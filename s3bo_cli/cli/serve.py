"""``s3bo serve``: expose the backend as an S3 Control endpoint."""

from __future__ import annotations

import logging
import sys
from typing import Any

import click

DEFAULT_PORT = 8484
KEY_ENV = "S3BO_SERVE_ACCESS_KEY_ID"
SECRET_ENV = "S3BO_SERVE_SECRET_ACCESS_KEY"


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--port", default=DEFAULT_PORT, show_default=True, type=int, help="Port to bind.")
@click.option(
    "--require-auth",
    is_flag=True,
    help="Refuse requests not signed (SigV4) with --auth-key-id/--auth-secret.",
)
@click.option("--auth-key-id", envvar=KEY_ENV, help=f"Accepted access key id [env: {KEY_ENV}].")
@click.option(
    "--auth-secret", envvar=SECRET_ENV, help=f"Its secret access key [env: {SECRET_ENV}]."
)
@click.pass_context
def serve(
    ctx: click.Context,
    host: str,
    port: int,
    require_auth: bool,
    auth_key_id: str | None,
    auth_secret: str | None,
) -> None:
    """Serve the S3 Control job API over HTTP, for the aws CLI, boto3 and SDKs.

    Speaks the real REST-XML wire format: the eight job operations, errors as
    <ErrorResponse>. Clients add the account id to the host name
    (123456789012.s3control.local), so point them at the server as an HTTP
    proxy. Jobs are regional: each request is for the region it is signed for
    (else the server's --region). Stop with Ctrl-C.

    \b
    Example:
      s3bo serve --port 8484
      HTTP_PROXY=http://127.0.0.1:8484 aws s3control list-jobs \\
        --account-id 123456789012 --endpoint-url http://s3control.local
    \b
      # boto3
      boto3.client("s3control", endpoint_url="http://s3control.local",
                   config=Config(proxies={"http": "http://127.0.0.1:8484"}))
    """
    from s3bo_cli.server import app, auth

    credentials = None
    if require_auth:
        if not (auth_key_id and auth_secret):
            raise click.UsageError(
                f"--require-auth needs --auth-key-id and --auth-secret (or {KEY_ENV} and "
                f"{SECRET_ENV})"
            )
        credentials = auth.Credentials(auth_key_id, auth_secret)
    debug = _debug(ctx)
    _setup_access_log(debug)
    if not app.is_loopback(host):
        click.echo(
            f"s3bo: warning: binding {host} exposes the job API to other machines"
            + ("" if credentials else "; consider --require-auth"),
            err=True,
        )
    server = app.make_server(
        _backend(ctx), host=host, port=port, credentials=credentials, debug=debug
    )
    click.echo(f"s3bo serve: listening on http://{host}:{server.port} (Ctrl-C to stop)", err=True)
    app.serve(server)
    click.echo("s3bo serve: stopped", err=True)


def _backend(ctx: click.Context) -> Any:
    """The root command's backend, else a LocalBackend on the resolved settings."""
    obj = ctx.obj
    if obj is not None and hasattr(obj, "backend"):
        return obj.backend
    from s3bo_cli import config
    from s3bo_cli.backends.local import LocalBackend

    return LocalBackend(config.resolve())


def _debug(ctx: click.Context) -> bool:
    settings = getattr(ctx.obj, "settings", None)
    return bool(getattr(settings, "debug", False))


def _setup_access_log(debug: bool) -> None:
    """One line per request on stderr, whatever the root logger is set to."""
    log = logging.getLogger("s3bo.serve")
    if not log.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
        log.addHandler(handler)
    log.propagate = False
    log.setLevel(logging.DEBUG if debug else logging.INFO)
