"""A process that asks for one tool call's approval as `appam run -T ...` does, for the pty tests:
the policy of the settings (config.toml under APPAM_HOME), ``--yes`` when argv[1] is "yes", and
the terminal asker. It reads its stdin first (to show that a pipe there does not matter), then
decides on ``run_shell`` with the command in argv[2] and a second call of it, and prints one JSON
line per decision."""

from __future__ import annotations

import json
import sys

from appam_cli.cli.approval_prompt import approval_policy
from appam_cli.config import load_settings
from appam_cli.tools.builtin import builtin_spec


def main() -> None:
    piped = "" if sys.stdin.isatty() else sys.stdin.read()
    policy = approval_policy(load_settings(), approve_all=sys.argv[1] == "yes")
    spec = builtin_spec("run_shell")
    print(json.dumps({"stdin": piped, "asker": policy.ask is not None}), flush=True)
    for command in (sys.argv[2], sys.argv[2] + " again"):
        decision = policy.decide(spec, {"command": command})
        print(json.dumps({"approved": decision.approved, "reason": decision.reason, "always": decision.always}),
              flush=True)


if __name__ == "__main__":
    main()
