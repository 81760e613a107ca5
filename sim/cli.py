"""The ``talentsim`` command line: one dispatcher, commands defined in ``sim/commands/``.

Exit status: 0 on success, 2 on bad input (unknown file, bad flag, invalid scenario: one
plain line per problem, no traceback), 1 on an unexpected failure.

Each module in :data:`COMMAND_MODULES` has ``register(subparsers)``, which adds its
subcommands and sets ``func`` (taking the parsed ``argparse.Namespace``, returning an
exit status) on each.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import traceback
from typing import Sequence

from sim.errors import UsageError
from sim.scenario import ScenarioError

COMMAND_MODULES = (
    "sim.commands.run",
    "sim.commands.scenarios",
    "sim.commands.harness",
    "sim.commands.sweep",
)

EPILOG = """examples:
  talentsim compare scenarios/baseline.yaml scenarios/variants/no_policy.yaml --seeds 5
  talentsim run scenarios/baseline.yaml --seed 1 --years 5
  talentsim validate scenarios/districts/*.yaml
  talentsim levers scenarios/baseline.yaml --district luohu --seeds 10
  talentsim sensitivity scenarios/baseline.yaml --method morris --district luohu
  talentsim sweep scenarios/baseline.yaml --set districts.luohu.levers.rent_subsidy.amount_yuan=0,2000 --seeds 5

Run 'talentsim COMMAND --help' for the flags of one command."""


class _Parser(argparse.ArgumentParser):
    """argparse that reports bad flags as a UsageError (exit 2, one line) instead of exiting."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{self.prog}: {message}")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="talentsim",
        description="Simulate talent flowing between competing districts, and what each policy lever buys per yuan.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    from sim import __version__

    parser.add_argument("--version", action="version", version=f"talentsim {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:  # a command module not written yet
                continue
            raise
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``talentsim`` and ``python -m sim``; returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    from sim import outputs

    outputs.COMMAND_LINE = ["talentsim", *argv]
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        if not getattr(args, "func", None):
            parser.print_help(sys.stderr)
            return 2
        return int(args.func(args) or 0)
    except ScenarioError as exc:
        for problem in exc.problems:
            print(f"error: {problem}", file=sys.stderr)
        return 2
    except UsageError as exc:
        for line in str(exc).splitlines():
            print(f"error: {line}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted: nothing half-written was kept", file=sys.stderr)
        return 130
    except SystemExit as exc:  # --help and --version exit through argparse
        return int(exc.code or 0) if isinstance(exc.code, int) else 0
    except Exception:  # noqa: BLE001 - the last line of defence, reported with exit 1
        print("talentsim: unexpected failure (this is a bug; please report it with the lines below)", file=sys.stderr)
        traceback.print_exc()
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
