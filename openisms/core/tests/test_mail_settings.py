"""Mail configuration from the environment (openisms.settings.mailers_from_env)."""

import pytest

from openisms.settings import mailers_from_env


def test_email_url_schemes():
    smtp = mailers_from_env({"EMAIL_URL": "smtp://ann%40acme:p%3Ass@mail.acme.test:2525"})
    options = smtp["default"]["OPTIONS"]
    assert smtp["default"]["BACKEND"].endswith("smtp.EmailBackend")
    assert (options["host"], options["port"], options["username"], options["password"]) == (
        "mail.acme.test",
        2525,
        "ann@acme",
        "p:ss",
    )
    assert options["use_tls"] and not options["use_ssl"]
    ssl = mailers_from_env({"EMAIL_URL": "smtps://mail.acme.test"})["default"]["OPTIONS"]
    assert ssl["port"] == 465 and ssl["use_ssl"] and not ssl["use_tls"]
    plain = mailers_from_env({"EMAIL_URL": "smtp+plain://127.0.0.1:1025"})["default"]["OPTIONS"]
    assert plain["port"] == 1025 and not plain["use_ssl"] and not plain["use_tls"]
    with pytest.raises(ValueError, match="EMAIL_URL"):
        mailers_from_env({"EMAIL_URL": "http://mail.acme.test"})


def test_host_variables_then_files():
    host = mailers_from_env({"OPENISMS_EMAIL_HOST": "mx", "OPENISMS_EMAIL_PORT": "25"})
    assert host["default"]["OPTIONS"]["host"] == "mx" and host["default"]["OPTIONS"]["port"] == 25
    files = mailers_from_env({})
    assert files["default"]["BACKEND"].endswith("filebased.EmailBackend")
