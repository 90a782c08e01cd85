"""Settings come from the environment; production settings are safe by construction."""

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY"}}
    environ |= env
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_debug_off_without_secret_key_is_a_clear_startup_error():
    result = manage("check", DEBUG="0")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_check_deploy_passes_without_warnings():
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="0",
        SECRET_KEY="x" * 60 + "-unit-test-only-key",
        ALLOWED_HOSTS="kb.example.org",
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_bad_boolean_is_refused():
    result = manage("check", DEBUG="maybe")
    assert result.returncode != 0
    assert "DEBUG must be one of" in result.stderr


def test_debug_off_without_allowed_hosts_refuses_to_start_saying_why():
    result = manage(
        "check", DEBUG="0", SECRET_KEY="x" * 60 + "-unit-test-only-key", ALLOWED_HOSTS=""
    )
    assert result.returncode != 0
    assert "ALLOWED_HOSTS is not set" in result.stderr


def variables_read(path: Path) -> set[str]:
    """The environment variables a settings module reads (os.environ, os.getenv, env_*)."""
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            func = ast.unparse(node.func)
            if func in {"os.environ.get", "environ.get", "os.getenv"} or func.startswith("env_"):
                names.add(node.args[0].value)
        subscript = isinstance(node, ast.Subscript) and ast.unparse(node.value) == "os.environ"
        if subscript and isinstance(node.slice, ast.Constant):
            names.add(node.slice.value)
    return names


def test_every_environment_variable_is_documented_in_the_production_section():
    readme = (ROOT / "README.md").read_text()
    production = readme.split("## Production and scale", 1)[1].split("\n## ", 1)[0]
    read = variables_read(ROOT / "qwenkb" / "settings.py")
    read |= variables_read(ROOT / "qwenkb" / "server.py")
    assert {"DATABASE_URL", "SECRET_KEY", "TRUSTED_PROXIES", "REDIS_URL", "PORT"} <= read
    missing = sorted(name for name in read if f"`{name}`" not in production)
    assert not missing, f"not documented in the README's production section: {missing}"


def test_redis_url_moves_the_shared_cache_to_redis():
    script = "from django.conf import settings; print(settings.CACHES['throttle']['BACKEND'])"
    with_redis = manage("shell", "-c", script, REDIS_URL="redis://127.0.0.1:6379/0")
    without = manage("shell", "-c", script, REDIS_URL="")
    assert with_redis.stdout.splitlines()[-1] == "django_redis.cache.RedisCache", with_redis.stderr
    assert without.stdout.splitlines()[-1] == "diskcache.DjangoCache", without.stderr


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("CONN_MAX_AGE", "ten", "CONN_MAX_AGE must be a whole number; got 'ten'."),
        ("API_CACHE_MB", "-5", "API_CACHE_MB must be a number 0 or more; got '-5'."),
        ("TRUSTED_PROXIES", "1.5", "TRUSTED_PROXIES must be a whole number; got '1.5'."),
        ("API_ANON_RATE", "lots", "API_ANON_RATE must be requests per second, minute, hour"),
        ("API_WRITE_RATE", "0/minute", "API_WRITE_RATE must be requests per second, minute"),
        ("LOG_LEVEL", "loud", "LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL"),
        ("LOG_FORMAT", "yaml", "LOG_FORMAT must be one of json, text; got 'yaml'."),
        ("REPLICA_MAX_LAG", "nan", "REPLICA_MAX_LAG must be a number 0 or more; got 'nan'."),
        ("METRICS_ALLOWED_NETWORKS", "office", "METRICS_ALLOWED_NETWORKS must be comma-sep"),
    ],
)
def test_a_setting_that_cannot_be_used_stops_the_app_saying_which(name, value, message):
    """Before, these were a ValueError without the variable's name, or a 500 on the first
    request that needed them (a rate limit, /metrics)."""
    result = manage(
        "check", DEBUG="0", SECRET_KEY="x" * 60, ALLOWED_HOSTS="kb.example.org", **{name: value}
    )
    assert result.returncode != 0
    assert f"ImproperlyConfigured: {message}" in result.stderr


def test_a_database_url_that_cannot_be_read_is_refused_by_name():
    result = manage("check", DATABASE_URL="postgres://qwenkb:s3cret@db:notaport/kb")
    assert result.returncode != 0
    assert "ImproperlyConfigured: DATABASE_URL must be a database URL" in result.stderr
    assert "s3cret" not in result.stderr


SHOW_OPTIONS = "from django.conf import settings; print(settings.DATABASES['default']['OPTIONS'])"


@pytest.mark.parametrize(
    ("env", "options"),
    [
        ({"QWENKB_SERVING": "1"}, "-c jit=off -c statement_timeout=30000"),
        (
            {"QWENKB_SERVING": "1", "DB_REQUEST_TIMEOUT": "2.5"},
            "-c jit=off -c statement_timeout=2500",
        ),
        ({"QWENKB_SERVING": "1", "DB_REQUEST_TIMEOUT": "0"}, "-c jit=off"),
        # A fraction of a millisecond is a millisecond, not 0 (which PostgreSQL reads as none).
        (
            {"QWENKB_SERVING": "1", "DB_REQUEST_TIMEOUT": "0.0001"},
            "-c jit=off -c statement_timeout=1",
        ),
        ({}, None),  # a command, a migration, a worker: as long as its work needs, JIT and all
    ],
)
def test_only_the_app_server_bounds_its_statements_and_compiles_none(env, options):
    result = manage(
        "shell", "-v0", "-c", SHOW_OPTIONS, DATABASE_URL="postgres://kb@db.invalid:5432/kb", **env
    )
    assert result.returncode == 0, result.stderr
    printed = result.stdout.strip().splitlines()[-1]
    assert ast.literal_eval(printed).get("options") == options  # the dict printed above


def test_the_bound_is_added_to_the_options_the_database_url_gives():
    url = "postgres://kb@db.invalid:5432/kb?options=-c%20search_path%3Dkb%2Cpublic"
    result = manage("shell", "-v0", "-c", SHOW_OPTIONS, DATABASE_URL=url, QWENKB_SERVING="1")
    assert result.returncode == 0, result.stderr
    printed = result.stdout.strip().splitlines()[-1]
    options = ast.literal_eval(printed)["options"]
    assert options == "-c search_path=kb,public -c jit=off -c statement_timeout=30000"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("soon", "DB_REQUEST_TIMEOUT must be a number; got 'soon'."),
        ("-1", "DB_REQUEST_TIMEOUT must be a number from 0 to 86400; got '-1'."),
        # Past what PostgreSQL's setting holds, every connection would be refused.
        ("1e10", "DB_REQUEST_TIMEOUT must be a number from 0 to 86400; got '1e10'."),
    ],
)
def test_a_request_timeout_that_cannot_be_used_is_refused_by_name(value, message):
    result = manage("check", DB_REQUEST_TIMEOUT=value)
    assert result.returncode != 0
    assert f"ImproperlyConfigured: {message}" in result.stderr
