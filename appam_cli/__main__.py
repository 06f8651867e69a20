"""``python -m appam_cli`` and the ``appam`` console script."""

from __future__ import annotations


def main() -> None:
    from appam_cli.cli.main import run

    run()


if __name__ == "__main__":
    main()
