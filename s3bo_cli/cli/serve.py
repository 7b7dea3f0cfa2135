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
@click.option(
    "--print-env",
    is_flag=True,
    help="Print the environment that points AWS programs at this server (and its S3 "
    "endpoint), then exit.",
)
@click.option(
    "--shell",
    type=click.Choice(["bash", "zsh", "fish", "powershell"]),
    help="Syntax for --print-env [default: from $SHELL, else bash].",
)
@click.pass_context
def serve(
    ctx: click.Context,
    host: str,
    port: int,
    require_auth: bool,
    auth_key_id: str | None,
    auth_secret: str | None,
    print_env: bool,
    shell: str | None,
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
    \b
      # any unmodified AWS program, offline (S3 on moto)
      s3bo --s3-endpoint-url http://127.0.0.1:5000 serve &
      eval "$(s3bo --s3-endpoint-url http://127.0.0.1:5000 serve --print-env)"
      python my_batch_program.py
    """
    if require_auth and not (auth_key_id and auth_secret):
        raise click.UsageError(
            f"--require-auth needs --auth-key-id and --auth-secret (or {KEY_ENV} and {SECRET_ENV})"
        )
    if print_env:
        _print_env(ctx, host, port, shell, (auth_key_id, auth_secret) if require_auth else None)
        return
    from s3bo_cli.server import app, auth

    credentials = None
    if require_auth and auth_key_id and auth_secret:
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


def _print_env(
    ctx: click.Context,
    host: str,
    port: int,
    shell: str | None,
    key_pair: tuple[str | None, str | None] | None,
) -> None:
    """Print the exports for a server on ``host:port`` with this command's settings."""
    from s3bo_cli.server import clientenv

    if port == 0:
        raise click.UsageError("--print-env needs the server's --port (not 0)")
    settings = _settings(ctx)
    key_id, secret = key_pair or (None, None)
    values = clientenv.variables(
        host=host,
        port=port,
        region=settings.region,
        s3_endpoint_url=settings.s3_endpoint_url,
        key_id=key_id,
        secret=secret,
    )
    comments = [f"s3bo serve on http://{clientenv.client_host(host)}:{port}"]
    if not settings.s3_endpoint_url:
        comments.append(
            "S3 calls need an S3 endpoint: start the server with --s3-endpoint-url "
            "(moto, MinIO) and print this again with it"
        )
    click.echo(clientenv.render(values, shell or clientenv.default_shell(), comments), nl=False)
    if not clientenv.answers(clientenv.client_host(host), port):
        click.echo(
            f"s3bo: note: nothing answers on port {port} yet; start the server with "
            f"s3bo serve --port {port}",
            err=True,
        )


def _settings(ctx: click.Context) -> Any:
    """The root command's settings, else the resolved ones."""
    settings = getattr(ctx.obj, "settings", None)
    if settings is None:
        from s3bo_cli import config

        settings = config.resolve()
    return settings


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
