"""Settings come from the environment and refuse malformed values loudly, naming the variable."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import Env

ROOT = Path(__file__).resolve().parent.parent
GOOD_SECRET = "s" * 50


def _import_settings(tmp_path, **env):
    """Import config.settings in a fresh interpreter with only these variables (none inherited)."""
    environ = {"PATH": os.environ["PATH"], "PARTNERHUB_VAR_DIR": str(tmp_path), "SECRET_KEY": GOOD_SECRET}
    environ.update(env)
    environ = {k: v for k, v in environ.items() if v is not None}
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import config.settings as s; print(s.DEBUG, s.TIME_ZONE, s.DATABASES['default']['ENGINE'])",
        ],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_settings_load_with_only_a_secret_key(tmp_path):
    result = _import_settings(tmp_path)

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "Africa/Nairobi", "django.db.backends.sqlite3"]


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DEBUG": "maybe"}, "Environment variable DEBUG='maybe' is not a boolean"),
        ({"SECURE_COOKIES": "sometimes"}, "Environment variable SECURE_COOKIES='sometimes' is not a boolean"),
        (
            {"LOGIN_FAILURE_LIMIT": "five"},
            "Environment variable LOGIN_FAILURE_LIMIT='five' is not a whole number.",
        ),
        ({"DB_CONN_MAX_AGE": "1.5"}, "Environment variable DB_CONN_MAX_AGE='1.5' is not a whole number."),
        (
            {"SESSION_COOKIE_AGE": "10h"},
            "Environment variable SESSION_COOKIE_AGE='10h' is not a whole number.",
        ),
        (
            {"DATABASE_URL": "mysql://db.example.org/partnerhub"},
            (
                "Environment variable DATABASE_URL='mysql://db.example.org/partnerhub' has scheme 'mysql'; "
                "expected one of: pgsql, postgres, postgresql, sqlite."
            ),
        ),
        (
            {"DATABASE_URL": "partnerhub.sqlite3"},
            "Environment variable DATABASE_URL='partnerhub.sqlite3' has scheme ''",
        ),
        ({"DATABASE_URL": "postgres://user@db.example.org:port/partnerhub"}, "DATABASE_URL is malformed"),
        ({"TIME_ZONE": "Mars/Olympus"}, "TIME_ZONE='Mars/Olympus' is not a known IANA time zone."),
        ({"TIME_ZONE": "../../etc/passwd"}, "TIME_ZONE='../../etc/passwd' is not a known IANA time zone."),
        ({"TIME_ZONE": ""}, "TIME_ZONE='' is not a known IANA time zone."),
        (
            {"EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend", "EMAIL_PORT": "smtp"},
            "Environment variable EMAIL_PORT='smtp' is not a whole number.",
        ),
        (
            {
                "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                "EMAIL_USE_TLS": "1",
                "EMAIL_USE_SSL": "1",
            },
            "EMAIL_USE_TLS and EMAIL_USE_SSL cannot both be on.",
        ),
    ],
    ids=lambda value: "-".join(value) if isinstance(value, dict) else None,
)
def test_malformed_value_stops_start_up_naming_the_variable(tmp_path, env, message):
    result = _import_settings(tmp_path, **env)

    assert result.returncode != 0
    assert "django.core.exceptions.ImproperlyConfigured: " in result.stderr
    assert message in result.stderr


@pytest.mark.parametrize("secret", [None, ""])
def test_secret_key_is_required_when_debug_is_off(tmp_path, secret):
    result = _import_settings(tmp_path, SECRET_KEY=secret)

    assert result.returncode != 0
    assert "SECRET_KEY is required when DEBUG is off." in result.stderr


def test_debug_runs_without_a_secret_key(tmp_path):
    result = _import_settings(tmp_path, SECRET_KEY=None, DEBUG="1")

    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[0] == "True"


@pytest.mark.parametrize("url", ["postgres://u@h/db", "postgresql://u@h/db", "pgsql://u@h/db"])
def test_every_accepted_postgres_scheme_selects_postgresql(tmp_path, url):
    result = _import_settings(tmp_path, DATABASE_URL=url)

    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[2] == "django.db.backends.postgresql"


# --- Env, directly ----------------------------------------------------------------------------------


def test_str_returns_the_value_or_the_default():
    env = Env({"NAME": "value", "EMPTY": ""})

    assert env.str("NAME") == "value"
    assert env.str("EMPTY", "default") == ""
    assert env.str("MISSING", "default") == "default"


def test_required_str_missing_names_the_variable():
    with pytest.raises(ImproperlyConfigured) as excinfo:
        Env({}).str("REQUIRED")

    assert str(excinfo.value) == "Environment variable REQUIRED is required but not set."


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1", True),
        ("true", True),
        (" YES ", True),
        ("On", True),
        ("0", False),
        ("false", False),
        ("no", False),
        ("OFF", False),
        ("", False),
    ],
)
def test_bool_accepts_the_usual_spellings(raw, expected):
    assert Env({"FLAG": raw}).bool("FLAG", default=not expected) is expected


def test_bool_missing_is_the_default():
    assert Env({}).bool("FLAG", default=True) is True


@pytest.mark.parametrize("raw", ["2", "y", "enabled", "truthy"])
def test_bool_refuses_anything_else_naming_the_variable(raw):
    with pytest.raises(ImproperlyConfigured) as excinfo:
        Env({"FLAG": raw}).bool("FLAG")

    assert str(excinfo.value) == (
        f"Environment variable FLAG={raw!r} is not a boolean; use one of 1/0, true/false, yes/no, on/off."
    )


@pytest.mark.parametrize(("raw", "expected"), [("42", 42), ("-3", -3), (" 7 ", 7), ("", 9), ("  ", 9)])
def test_int_parses_whole_numbers_and_blank_means_default(raw, expected):
    assert Env({"N": raw}).int("N", 9) == expected


@pytest.mark.parametrize("raw", ["1.5", "ten", "1e3", "0x10"])
def test_int_refuses_anything_else_naming_the_variable(raw):
    with pytest.raises(ImproperlyConfigured) as excinfo:
        Env({"N": raw}).int("N", 9)

    assert str(excinfo.value) == f"Environment variable N={raw!r} is not a whole number."


def test_list_splits_on_commas_and_drops_blanks():
    env = Env({"HOSTS": " a.example.org, b.example.org,, ,c "})

    assert env.list("HOSTS", []) == ["a.example.org", "b.example.org", "c"]
    assert env.list("MISSING", ["x"]) == ["x"]
    assert Env({"HOSTS": ""}).list("HOSTS", ["x"]) == []


def test_url_accepts_allowed_schemes_and_checks_the_default_too():
    schemes = {"sqlite", "postgres"}

    assert Env({"U": "postgres://h/db"}).url("U", "sqlite:///x", schemes) == "postgres://h/db"
    assert Env({}).url("U", "sqlite:///x", schemes) == "sqlite:///x"
    with pytest.raises(ImproperlyConfigured, match="Environment variable U='ftp://x' has scheme 'ftp'"):
        Env({}).url("U", "ftp://x", schemes)


def test_url_refuses_other_schemes_listing_the_allowed_ones():
    with pytest.raises(ImproperlyConfigured) as excinfo:
        Env({"DATABASE_URL": "mysql://h/db"}).url("DATABASE_URL", "sqlite:///x", {"sqlite", "postgres"})

    assert str(excinfo.value) == (
        "Environment variable DATABASE_URL='mysql://h/db' has scheme 'mysql'; "
        "expected one of: postgres, sqlite."
    )


def test_env_reads_the_process_environment_by_default(monkeypatch):
    monkeypatch.setenv("PARTNERHUB_TEST_VALUE", "from-os")

    assert Env().str("PARTNERHUB_TEST_VALUE") == "from-os"
