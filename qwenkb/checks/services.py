"""Every write goes through services: a model saved, created, deleted or bulk-written anywhere
else is an error, so a write cannot skip the services' validation, history and contradiction
re-check by accident.

Like Zulip's custom lint rules (``tools/linter_lib/custom_check.py``: "use do_change_… rather
than setting … directly"), each rule names what to call instead and the few places exempt
from it. It reads the syntax tree, so strings and comments never match, and it knows a
queryset's ``update()`` from a dict's by what it is called on.
"""

import ast
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# The code that must write through services; tests and migrations write as they please.
CHECKED = ("claims", "sources", "qwenkb")
# Where model writes belong: the services themselves, the bulk import (which reads rows as
# the services do, then stores them in bulk), detection's apply step (called by services and
# by the rescan), the COPY helper, and the synthetic-data generator (a bulk loader).
WRITERS = (
    "claims/services/",
    "sources/services.py",
    "claims/bulk/",
    "claims/detection/reconcile.py",
    "qwenkb/copying.py",
    "claims/management/commands/generate_synthetic.py",
)
# Not domain writes: migrations, and accounts (django.contrib.auth's, made by create_editor).
EXEMPT = ("/migrations/", "claims/management/commands/create_editor.py")

# Methods that write whatever they are called on.
WRITE_METHODS = {"save", "delete", "create", "get_or_create", "update_or_create"}
WRITE_METHODS |= {"bulk_create", "bulk_update"}
# Methods that write only when called on a queryset or manager (a dict has ``update`` too).
QUERYSET_WRITES = {"update"}
QUERYSET_SOURCES = {"objects", "filter", "exclude", "all", "select_for_update", "order_by"}
# Functions that write in bulk (django-simple-history's helpers, COPY).
WRITE_FUNCTIONS = {"bulk_create_with_history", "bulk_update_with_history", "copy_with_history"}


@dataclass(frozen=True)
class Violation:
    """A model write outside the services."""

    path: str
    line: int
    call: str

    def __str__(self) -> str:
        return (
            f"{self.path}:{self.line}: {self.call} writes a model outside the services; "
            "call a service (claims/services/, sources/services.py) instead"
        )


def _receiver(node: ast.expr) -> str:
    """The name at the end of what a method is called on: ``Claim.objects`` -> ``objects``."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Call):
        return _receiver(node.func)
    return ""


def _writes(call: ast.Call) -> str | None:
    """The write a call makes, as written, or None."""
    func = call.func
    if isinstance(func, ast.Name) and func.id in WRITE_FUNCTIONS:
        return f"{func.id}()"
    if not isinstance(func, ast.Attribute):
        return None
    receiver = _receiver(func.value)
    if func.attr in QUERYSET_WRITES and receiver in QUERYSET_SOURCES:
        return f"{receiver}.{func.attr}()"
    if func.attr in WRITE_FUNCTIONS:
        return f"{func.attr}()"
    if func.attr in WRITE_METHODS:
        return f"{receiver}.{func.attr}()" if receiver else f".{func.attr}()"
    return None


def violations_in(source: str, path: str) -> Iterator[Violation]:
    """The model writes in one module's source."""
    for node in ast.walk(ast.parse(source, filename=path)):
        if isinstance(node, ast.Call):
            call = _writes(node)
            if call is not None:
                yield Violation(path, node.lineno, call)


def checked_files(root: Path) -> Iterable[Path]:
    """The modules under ``root`` the rule applies to."""
    for package in CHECKED:
        for path in sorted((root / package).rglob("*.py")):
            relative = path.relative_to(root).as_posix()
            exempt = any(part in f"/{relative}" for part in EXEMPT)
            if relative.startswith(WRITERS) or exempt:
                continue
            yield path


def violations(root: Path | None = None) -> list[Violation]:
    """Every model write outside the services in the project (or under ``root``)."""
    root = ROOT if root is None else root
    found: list[Violation] = []
    for path in checked_files(root):
        relative = path.relative_to(root).as_posix()
        found.extend(violations_in(path.read_text(encoding="utf-8"), relative))
    return found


def main() -> int:
    """Print each violation; the exit status is 1 when there is any."""
    found = violations()
    for violation in found:
        print(violation)
    print(f"services check: {len(found)} model write(s) outside the services")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
