"""``specref compare``: run peers' comparison suites (stub: filled in by the CLI work)."""

from __future__ import annotations

__all__ = ["add_compare_parser", "run_compare"]


def add_compare_parser(sub) -> None:
    """Add the ``compare`` subcommand to the ``specref`` parser."""
    p = sub.add_parser("compare", help="compare specref with another implementation (a peer)")
    p.add_argument("peer", nargs="?")
    p.add_argument("components", nargs="*")


def run_compare(args) -> int:
    print("specref compare: not implemented yet")
    return 2
