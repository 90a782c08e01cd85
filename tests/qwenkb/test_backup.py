"""`manage.py backup` / `restore` (make backup / make restore): a fresh database restored from a
backup holds every row of every table, and every object keeps its ETag."""

import json

import pytest

from tests.qwenkb.served import empty_database, manage, production_env

pytestmark = pytest.mark.django_db  # the database settings name the kind of database to make

# Every row of every table, and the ETag of every object the API versions.
SNAPSHOT = """
import json
from django.db import connection
from django.test import Client
from claims.models import Claim, Contradiction, Entity
from sources.models import Source

tables = {}
with connection.cursor() as cursor:
    for table in sorted(connection.introspection.table_names()):
        cursor.execute(f'SELECT * FROM "{table}"')
        tables[table] = sorted(repr(row) for row in cursor.fetchall())
client = Client(HTTP_HOST="127.0.0.1")
urls = [f"/api/claims/{pk}/" for pk in Claim.objects.values_list("pk", flat=True)]
urls += [f"/api/entities/{slug}/" for slug in Entity.objects.values_list("slug", flat=True)]
urls += [f"/api/sources/{pk}/" for pk in Source.objects.values_list("pk", flat=True)]
urls += [f"/api/contradictions/{pk}/" for pk in Contradiction.objects.values_list("pk", flat=True)]
etags = {url: client.get(url)["ETag"] for url in urls}
print(json.dumps({"tables": tables, "etags": etags}))
"""


def snapshot(env) -> dict:
    return json.loads(manage(env, "shell", "-c", SNAPSHOT).strip().splitlines()[-1])


def test_a_restored_backup_has_every_row_and_every_etag(tmp_path):
    with empty_database(tmp_path, "original") as url:
        env = production_env(tmp_path, url)
        manage(env, "migrate", "--noinput", "-v0")
        manage(env, "load_seed", "-v0")
        # Timestamps to the microsecond are part of every ETag (dumpdata would cut them).
        before = snapshot(env)
        file = tmp_path / "kb.backup"
        assert "Backed up" in manage(env, "backup", str(file))
    assert before["etags"] and len(before["tables"]["claims_claim"]) > 10
    with empty_database(tmp_path, "restored") as url:
        env = production_env(tmp_path, url)
        assert "Restored" in manage(env, "restore", str(file))
        after = snapshot(env)
    assert sorted(after["tables"]) == sorted(before["tables"])
    for table, rows in before["tables"].items():
        assert after["tables"][table] == rows, table
    assert after["etags"] == before["etags"]


def test_restoring_a_file_that_is_no_backup_is_a_clear_error(tmp_path):
    bogus = tmp_path / "not-a-backup"
    bogus.write_text("hello")
    with empty_database(tmp_path, "bogus") as url:
        env = production_env(tmp_path, url)
        import subprocess
        import sys

        from tests.qwenkb.served import ROOT

        result = subprocess.run(
            [sys.executable, "manage.py", "restore", str(bogus)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert result.returncode != 0
    assert "CommandError" in result.stderr or "failed" in result.stderr or "not" in result.stderr
