"""What every command needs: settings with flags applied, and the configured store."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from appam_cli.config import Settings, api_base_url, load_settings
from appam_cli.datamodel.options import REASONING_EFFORTS

if TYPE_CHECKING:
    from appam_cli.agent.named import NamedAgent
    from appam_cli.store import SessionHistory


def settings_with(**flags: Any) -> Settings:
    """Config file and environment, then the command's request-option flags over them (None: not given)."""
    return load_settings().with_flags(**flags)


def request_flags(
    api_base: str | None,
    temperature: float | None,
    max_tokens: int | None,
    timeout: float | None,
    retries: int | None,
    no_stream: bool = False,
    *,
    reasoning_effort: str | None = None,
) -> dict[str, Any]:
    """The request-option flags of run, continue and chat, checked (None: not given). They go over
    config.toml, APPAM_* and the named agent: ``agent_settings``."""
    return {
        "api_base": api_base_url(api_base, "--api-base"),
        "temperature": temperature,
        "max_tokens": max_tokens,
        "reasoning_effort": reasoning_effort_flag(reasoning_effort),
        "timeout": timeout,
        "retries": retries,
        "stream": False if no_stream else None,
    }


def agent_settings(base: Settings, agent: NamedAgent, flags: dict[str, Any]) -> Settings:
    """Precedence: flag > agent file > APPAM_* > config.toml > default (``base`` holds the last three)."""
    return agent.over(base).with_flags(**flags)


def reasoning_effort_flag(value: str | None) -> str | None:
    """--reasoning-effort, checked as the config key is (a wrong value is a usage error, exit 2)."""
    if value is None:
        return None
    from appam_cli.config import check_reasoning_effort
    from appam_cli.errors import EXIT_USAGE, UserError

    try:
        return check_reasoning_effort(value, "--reasoning-effort", "the command line")
    except UserError as exc:
        raise UserError(
            f"invalid value for --reasoning-effort: {value!r} (use {', '.join(REASONING_EFFORTS)})",
            exit_code=EXIT_USAGE,
        ) from exc


def choose_agent_for(
    settings: Settings, flag: str | None, session_id: str | None = None
) -> NamedAgent:
    """--agent, else the agent of the session being continued (its file read now)."""
    from appam_cli.agent.named import choose_agent
    from appam_cli.render.environment import environment

    session_agent = None
    if flag is None and session_id is not None:
        summary = open_history(settings).summary(session_id)
        session_agent = summary.agent_name if summary is not None else None
    return choose_agent(flag, session_agent, warn=environment().warn)


def open_history(settings: Settings, *, enabled: bool = True, writing: bool = False) -> SessionHistory:
    """The configured store. ``writing``: the command writes to it, so it is opened for writing now
    (a store that cannot be written is one line and exit 1 before anything is sent or changed) and
    what dead writers left running is settled, once (store.running). Without it a read-only store
    still reads (opened read-only, never migrated) and nothing is written."""
    from appam_cli.store import SessionHistory

    history = SessionHistory.from_settings(settings, enabled=enabled)
    if writing:
        history.ensure_writable()
        history.settle_dead_writers()
    return history
