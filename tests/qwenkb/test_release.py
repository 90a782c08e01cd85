"""Which release runs (``qwenkb.release``): the one rule both code digests follow."""

import py_compile

import pytest
from django.core import checks

from claims import apps as claims_apps
from claims.detection import digests
from qwenkb import readcache
from qwenkb.release import MissingCode, files_digest


def _tree(root):
    (root / "pkg" / "sub").mkdir(parents=True)
    (root / "pkg" / "migrations").mkdir()
    (root / "pkg" / "a.py").write_text("A = 1\n")
    (root / "pkg" / "sub" / "b.py").write_text("B = 2\n")
    (root / "rules.py").write_text("RULE = 3\n")
    return root


def _ship_bytecode_only(root):
    """As a deployment without sources: each module's .pyc where its source was."""
    for source in sorted(root.rglob("*.py")):
        py_compile.compile(str(source), cfile=str(source.with_suffix(".pyc")), doraise=True)
        source.unlink()


def test_a_release_is_its_sources_not_its_bytecode_caches(tmp_path):
    root = _tree(tmp_path)
    first = files_digest(root, ["pkg", "rules.py"], skip=["migrations"])
    assert len(first) == 32
    cache = root / "pkg" / "__pycache__"
    cache.mkdir()
    (cache / "a.cpython-311.pyc").write_bytes(b"written by whichever process came first")
    (root / "pkg" / "migrations" / "0001_initial.py").write_text("# a migration\n")
    (root / "pkg" / "notes.md").write_text("not code\n")
    assert files_digest(root, ["pkg", "rules.py"], skip=["migrations"]) == first
    (root / "pkg" / "sub" / "b.py").write_text("B = 20\n")
    assert files_digest(root, ["pkg", "rules.py"], skip=["migrations"]) != first


def test_a_release_shipped_as_bytecode_has_a_digest_that_follows_it(tmp_path):
    root = _tree(tmp_path)
    _ship_bytecode_only(root)
    first = files_digest(root, ["pkg", "rules.py"])
    (root / "rules.py").write_text("RULE = 4\n")
    _ship_bytecode_only(root)
    assert files_digest(root, ["pkg", "rules.py"]) != first


def test_code_that_is_not_there_is_an_error_not_an_empty_digest(tmp_path):
    root = _tree(tmp_path)
    (root / "empty").mkdir()
    (root / "empty" / "README.md").write_text("no code here\n")
    with pytest.raises(MissingCode, match=r"No code under .*empty"):
        files_digest(root, ["pkg", "empty"])
    with pytest.raises(MissingCode, match=r"No code under .*gone\.py"):
        files_digest(root, ["gone.py"])


def test_both_digests_of_this_release_are_taken_by_the_one_rule(settings):
    assert digests.rules_fingerprint() == files_digest(digests._ROOT, digests._RULES_CODE)
    readcache.code_version.cache_clear()
    try:
        assert readcache.code_version() == files_digest(
            settings.BASE_DIR,
            readcache.CODE_FOLDERS,
            suffixes=readcache.CODE_SUFFIXES,
            skip=["migrations"],
        )
    finally:
        readcache.code_version.cache_clear()


def test_migrate_stops_with_the_reason_when_the_code_cannot_be_told(tmp_path, settings):
    assert claims_apps.code_is_there() == []
    assert claims_apps.code_is_there in checks.registry.registry.get_checks()
    settings.BASE_DIR = tmp_path  # no code there
    readcache.code_version.cache_clear()
    try:
        (error,) = claims_apps.code_is_there()
    finally:
        readcache.code_version.cache_clear()
    assert error.id == "qwenkb.E001" and "read cache's code version" in error.msg
    assert f"No code under {tmp_path}" in error.msg
