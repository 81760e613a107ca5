"""Subcommands of ``talentsim``; each module has ``register(subparsers)``."""
