"""Settings read from the environment: defaults when unset, a clear error naming the variable
for any value that cannot be used, never a guess."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from hypothesis import given
from hypothesis import strategies as st

from qwenkb.env import env_bool, env_choice, env_list, env_networks, env_number, env_rate


@pytest.mark.parametrize("given_value", [None, "", "   "])
def test_an_unset_or_empty_variable_takes_its_default(given_value):
    environ = {} if given_value is None else {"X": given_value}
    assert env_number("X", 7, environ=environ) == 7
    assert env_bool("X", True, environ=environ) is True
    assert env_choice("X", "json", ("json", "text"), environ=environ) == "json"
    assert env_rate("X", "10/minute", environ=environ) == "10/minute"


@given(st.integers(min_value=0, max_value=10**12))
def test_whole_numbers_within_bounds_are_read_as_written(number):
    assert env_number("X", 1, environ={"X": f" {number} "}) == number


@pytest.mark.parametrize(
    ("raw", "whole", "message"),
    [
        ("ten", True, "X must be a whole number; got 'ten'."),
        ("2.5", True, "X must be a whole number; got '2.5'."),
        ("-1", True, "X must be a whole number 0 or more; got '-1'."),
        ("nan", False, "X must be a number 0 or more; got 'nan'."),
        ("inf", False, "X must be a number 0 or more; got 'inf'."),
        ("1e400", False, "X must be a number 0 or more; got '1e400'."),
        ("%s", False, "X must be a number; got '%s'."),
    ],
)
def test_a_number_that_cannot_be_used_is_refused_by_name(raw, whole, message):
    with pytest.raises(ImproperlyConfigured) as refused:
        env_number("X", 1, whole=whole, environ={"X": raw})
    assert str(refused.value) == message


def test_a_number_outside_its_bounds_says_them():
    with pytest.raises(ImproperlyConfigured, match=r"^PORT must be a whole number from 1 to 65535"):
        env_number("PORT", 8000, minimum=1, maximum=65535, environ={"PORT": "70000"})
    assert env_number("PORT", 8000, minimum=1, maximum=65535, environ={"PORT": "65535"}) == 65535
    assert env_number("MB", 1, whole=False, environ={"MB": "0.5"}) == 0.5


def test_choices_ignore_case_and_are_given_as_spelled():
    assert env_choice("LOG_LEVEL", "INFO", ("INFO", "DEBUG"), environ={"LOG_LEVEL": "debug"}) == (
        "DEBUG"
    )
    with pytest.raises(ImproperlyConfigured) as refused:
        env_choice("LOG_LEVEL", "INFO", ("INFO", "DEBUG"), environ={"LOG_LEVEL": "loud"})
    assert str(refused.value) == "LOG_LEVEL must be one of INFO, DEBUG; got 'loud'."


@pytest.mark.parametrize("rate", ["120/minute", "5/s", "1000/hour", " 3/day ", "7/m"])
def test_rates_django_rest_framework_reads_are_taken(rate):
    assert env_rate("API_ANON_RATE", "1/minute", environ={"API_ANON_RATE": rate}) == rate.strip()


@pytest.mark.parametrize("rate", ["lots", "0/minute", "10/fortnight", "10", "/minute", "1/m/m"])
def test_rates_it_could_not_read_are_refused_by_name(rate):
    with pytest.raises(ImproperlyConfigured, match=r"^API_ANON_RATE must be requests per"):
        env_rate("API_ANON_RATE", "1/minute", environ={"API_ANON_RATE": rate})


def test_booleans_and_lists():
    assert env_bool("DEBUG", True, environ={"DEBUG": "Off"}) is False
    with pytest.raises(ImproperlyConfigured, match=r"^DEBUG must be one of"):
        env_bool("DEBUG", True, environ={"DEBUG": "maybe"})
    assert env_list("HOSTS", "", environ={"HOSTS": " a.org, ,b.org,"}) == ["a.org", "b.org"]


def test_networks_are_checked_when_read_not_when_a_request_needs_them():
    environ = {"NETS": "10.0.0.0/8, ::1/128,192.168.1.7"}
    assert env_networks("NETS", "", environ=environ) == ["10.0.0.0/8", "::1/128", "192.168.1.7"]
    with pytest.raises(ImproperlyConfigured) as refused:
        env_networks("NETS", "", environ={"NETS": "10.0.0.0/8,intranet"})
    assert str(refused.value) == (
        "NETS must be comma-separated networks such as 10.0.0.0/8; 'intranet' is not one."
    )


@pytest.mark.parametrize(
    "read",
    [
        lambda environ: env_number("X", 1, environ=environ),
        lambda environ: env_bool("X", True, environ=environ),
        lambda environ: env_choice("X", "a", ("a", "b"), environ=environ),
        lambda environ: env_rate("X", "1/s", environ=environ),
        lambda environ: env_networks("X", "", environ=environ),
    ],
)
def test_a_long_wrong_value_is_quoted_by_its_start_and_length(read):
    """The sentence saying what the variable must be stays readable: a 10,000-character
    value (a file pasted by mistake) is quoted by its first 60 characters and its length."""
    raw = "ten%s" * 2000
    with pytest.raises(ImproperlyConfigured) as refused:
        read({"X": raw})
    message = str(refused.value)
    assert message.startswith("X must be")
    assert f"{raw[:60]!r}\u2026 (10,000 characters)" in message
    assert len(message) < 250
    with pytest.raises(ImproperlyConfigured) as refused:
        read({"X": raw[:60]})
    assert repr(raw[:60]) in str(refused.value) and "characters)" not in str(refused.value)
