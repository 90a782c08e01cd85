"""The services check (qwenkb/checks/services.py): the project writes models only through
services, and the check catches a write anywhere else."""

import subprocess
import sys
from pathlib import Path

import pytest

from qwenkb.checks import services as check


def test_the_project_writes_models_only_through_services():
    assert check.violations() == []


@pytest.mark.parametrize(
    ("line", "call"),
    [
        ("metric.save()", "metric.save()"),
        ("alias.delete()", "alias.delete()"),
        ("Metric.objects.create(slug='x')", "objects.create()"),
        ("entity.aliases.create(name='x')", "aliases.create()"),
        ("Metric.objects.get_or_create(slug='x')", "objects.get_or_create()"),
        ("Claim.objects.filter(pk=1).update(status='accepted')", "filter.update()"),
        ("Claim.objects.bulk_update(rows, ['status'])", "objects.bulk_update()"),
        ("bulk_create_with_history(rows, Claim)", "bulk_create_with_history()"),
    ],
)
def test_each_kind_of_write_is_caught_with_its_line(line, call):
    source = f"def view(request):\n    x = 1\n    {line}\n"
    assert [(v.line, v.call) for v in check.violations_in(source, "x.py")] == [(3, call)]


@pytest.mark.parametrize(
    "line",
    ["values.update(extra)", "seen.update(ids)", "'claim.save()'", "# metric.save()"],
)
def test_dicts_sets_strings_and_comments_are_not_writes(line):
    assert list(check.violations_in(f"{line}\n", "x.py")) == []


def _project(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path


def test_writes_in_services_bulk_loading_and_migrations_are_allowed(tmp_path):
    write = "Claim.objects.create()\n"
    root = _project(
        tmp_path,
        {
            "claims/services/claims.py": write,
            "claims/bulk/store.py": write,
            "claims/migrations/0009_x.py": write,
            "sources/services.py": write,
            "claims/views.py": "def page(request):\n    return 1\n",
        },
    )
    assert check.violations(root) == []


def test_a_deliberate_violation_fails_the_check(tmp_path):
    root = _project(
        tmp_path,
        {
            "claims/services/claims.py": "claim.save()\n",
            "claims/admin/rates.py": "def save_model(self, request, obj, form, change):\n"
            "    obj.save()\n",
        },
    )
    assert [str(v) for v in check.violations(root)] == [
        "claims/admin/rates.py:2: obj.save() writes a model outside the services; "
        "call a service (claims/services/, sources/services.py) instead"
    ]


def test_the_command_exits_non_zero_on_a_violation(tmp_path, monkeypatch):
    project = Path(__file__).resolve().parents[2]
    ok = subprocess.run(
        [sys.executable, "-m", "qwenkb.checks.services"], cwd=project, capture_output=True
    )
    assert ok.returncode == 0, ok.stdout
    monkeypatch.setattr(check, "ROOT", _project(tmp_path, {"sources/api/views.py": "s.save()\n"}))
    assert check.main() == 1
