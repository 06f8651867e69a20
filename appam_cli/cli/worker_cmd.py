"""``appam worker status|start|stop``: the provider worker that keeps litellm loaded."""

from __future__ import annotations

import typer

from appam_cli.cli.errors import handle_errors

worker_app = typer.Typer(
    help="The provider worker: a background process that keeps litellm loaded for run, continue and chat.",
    no_args_is_help=True,
)


def _say(parts: list[str]) -> None:
    """One line ``a · b · c``; on a terminal narrower than that, broken between its parts."""
    from appam_cli.render.columns import wrap_parts
    from appam_cli.render.environment import environment

    env = environment()
    if not env.stdout_isatty:
        typer.echo(" · ".join(parts))
        return
    import shutil

    for line in wrap_parts(parts, shutil.get_terminal_size().columns):
        typer.echo(line)


def _describe(st) -> list[str]:
    info = st.info
    parts = [f"pid {st.pid}", f"appam {info.get('version', '?')}"]
    if not st.current:
        parts.append("another version or install: replaced by the next request")
    idle = info.get("idle")
    if isinstance(idle, (int, float)):
        parts.append(f"exits after {idle:g} s without requests")
    parts.append(f"socket {st.place.socket}")
    return parts


@worker_app.command("status")
@handle_errors
def worker_status() -> None:
    """Whether the worker runs, its process id, version and socket."""
    from appam_cli.providers.worker_control import status

    st = status()
    if st.running:
        _say(["worker running", *_describe(st)])
    elif st.pid:
        _say(["worker not answering", f"pid {st.pid}", f"socket {st.place.socket}"])
    else:
        _say(["no worker running", f"socket {st.place.socket}"])


@worker_app.command("start")
@handle_errors
def worker_start() -> None:
    """Start the worker now (it loads litellm) unless this appam's is running."""
    from appam_cli.agent.backend_choice import warm_model
    from appam_cli.config import load_settings
    from appam_cli.providers.worker_control import start

    settings = load_settings()
    st = start(warm_model=warm_model(settings), idle=settings.worker_idle)
    if not st.running:
        typer.echo(f"appam: the worker could not start (socket {st.place.socket})", err=True)
        raise typer.Exit(1)
    _say(["worker running", *_describe(st)])


@worker_app.command("stop")
@handle_errors
def worker_stop() -> None:
    """Stop the worker; answers streaming now finish first."""
    from appam_cli.providers.worker_control import stop

    pid = stop()
    typer.echo("no worker running" if pid is None else f"worker stopped (pid {pid})")
