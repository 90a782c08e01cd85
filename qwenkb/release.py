"""Which release of the code runs: a digest of its files, the one rule for what counts.

Two things depend on it. The read cache keys every response with the digest of the code and
templates that serve it (``readcache.code_version``), so a deploy never serves what the old
code wrote; a rescan stores the digest of the rules' code with every group it judged
(``claims.detection.digests``), so new rules judge every group again.

A Python module counts by its source (``.py``) or, in a deployment that ships only bytecode,
by the ``.pyc`` that stands where its source would. Bytecode caches (``__pycache__``) never
count: they come and go with the interpreter, and a digest that followed them would change
between two processes of one release. A named path that holds no code at all is an error
(``MissingCode``), never an empty digest: a digest of nothing would stay the same across
releases, and the new code would serve the old answers.
"""

import hashlib
from collections.abc import Iterable
from pathlib import Path


class MissingCode(RuntimeError):
    """A path named as code holds none of it."""


def _counts(
    path: Path, parts: tuple[str, ...], suffixes: frozenset[str], skip: frozenset[str]
) -> bool:
    if skip.intersection(parts) or not path.is_file():
        return False
    if path.suffix == ".pyc":  # bytecode counts only where it stands for a missing source
        return ".py" in suffixes and not path.with_suffix(".py").exists()
    return path.suffix in suffixes


def files_digest(
    base: Path,
    names: Iterable[str],
    *,
    suffixes: Iterable[str] = (".py",),
    skip: Iterable[str] = (),
) -> str:
    """A digest (32 hex digits) of the files under ``base`` that ``names`` name (files, or
    folders searched through) whose suffix is one of ``suffixes``, none inside a folder named
    in ``skip``: each file's path from ``base`` and its bytes, in path order.

    Raises ``MissingCode`` naming a name under which no such file is found.
    """
    wanted, skipped = frozenset(suffixes), frozenset(skip) | {"__pycache__"}
    digest = hashlib.blake2b(digest_size=16)
    for name in names:
        path = base / name
        if path.is_dir():
            files = sorted(path.rglob("*"))
        else:  # a module shipped as bytecode stands where its source would
            files = [path if path.exists() else path.with_suffix(".pyc")]
        found = [
            file for file in files if _counts(file, file.relative_to(base).parts, wanted, skipped)
        ]
        if not found:
            raise MissingCode(f"No code under {path}: which release runs cannot be told.")
        for file in found:
            digest.update(str(file.relative_to(base)).encode())
            digest.update(file.read_bytes())
    return digest.hexdigest()
