import pytest

from infrastructure.settings import SettingsError, load_settings

SECRET = "s" * 32


def test_development_needs_nothing():
    settings = load_settings({}, env_file=None)
    assert settings.node_env == "development"
    assert settings.port == 3000
    assert settings.database_url is None and settings.jwt_secret is None


def test_production_names_every_missing_variable_at_once():
    with pytest.raises(SettingsError) as raised:
        load_settings({"NODE_ENV": "production"}, env_file=None)
    problems = " ".join(raised.value.problems)
    for name in ("DATABASE_URL", "JWT_SECRET", "CORS_ORIGIN"):
        assert name in problems
    assert len(raised.value.problems) == 3


def test_every_bad_value_is_reported():
    with pytest.raises(SettingsError) as raised:
        load_settings(
            {
                "NODE_ENV": "staging",
                "DATABASE_URL": "mysql://x/y",
                "JWT_SECRET": "short",
                "CORS_ORIGIN": "not a url",
                "PORT": "70000",
            },
            env_file=None,
        )
    assert len(raised.value.problems) == 5
    assert "Invalid configuration" in str(raised.value)


def test_env_file_is_read_and_the_environment_wins(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text(f'PORT=4000\nJWT_SECRET="{SECRET}"\nCORS_ORIGIN=http://a.example\n')
    settings = load_settings({"PORT": "5000"}, env_file=env_file)
    assert settings.port == 5000
    assert settings.jwt_secret == SECRET
    assert settings.cors_origin == "http://a.example"


def test_settings_survive_the_trip_through_the_environment():
    settings = load_settings(
        {"DATABASE_URL": "postgresql://u:p@localhost/db", "JWT_SECRET": SECRET, "WORKERS": "2"},
        env_file=None,
    )
    assert load_settings(settings.as_environment(), env_file=None) == settings


def test_proxies_are_trusted_only_when_named_and_must_be_addresses():
    assert load_settings({}, env_file=None).forwarded_allow_ips == ""
    named = load_settings({"FORWARDED_ALLOW_IPS": "127.0.0.1, 10.0.0.0/8"}, env_file=None)
    assert named.forwarded_allow_ips == "127.0.0.1,10.0.0.0/8"
    with pytest.raises(SettingsError) as error:
        load_settings({"FORWARDED_ALLOW_IPS": "proxy.local"}, env_file=None)
    assert "FORWARDED_ALLOW_IPS" in str(error.value)


def test_the_public_url_is_an_http_url_kept_without_its_last_slash():
    assert load_settings({}, env_file=None).public_url == ""
    given = load_settings({"PUBLIC_URL": "https://attendance.school.example/"}, env_file=None)
    assert given.public_url == "https://attendance.school.example"
    behind = load_settings({"PUBLIC_URL": "http://10.0.0.5:3000/attendance"}, env_file=None)
    assert behind.public_url == "http://10.0.0.5:3000/attendance"
    for bad in (
        "attendance.school.example",
        "ftp://a.example",
        "https://",
        "https://a.example/?x=1",
        "https://a.example/#/x",
        "https://user:pw@a.example",
    ):
        with pytest.raises(SettingsError) as error:
            load_settings({"PUBLIC_URL": bad}, env_file=None)
        assert error.value.problems[0].startswith("PUBLIC_URL must be an http(s) URL"), bad
    assert load_settings(given.as_environment(), env_file=None) == given


def test_every_setting_is_declared_once_and_loads_to_its_default():
    from dataclasses import fields

    from infrastructure.settings import SETTINGS, Settings

    variables = [setting.variable for setting in SETTINGS]
    assert len(variables) == len(set(variables))
    assert {setting.field for setting in SETTINGS} == {f.name for f in fields(Settings)}
    loaded = load_settings({}, env_file=None)
    for setting in SETTINGS:
        if setting.variable != "DATA_DIR":  # resolved against the working directory
            assert getattr(loaded, setting.field) == setting.default, setting.variable


def test_the_readme_table_is_the_declaration():
    from pathlib import Path

    from infrastructure.settings import settings_table

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    start = readme.index("<!-- settings:")
    start = readme.index("\n", start) + 1
    end = readme.index("<!-- end of settings -->")
    assert readme[start:end] == settings_table(), "run `live-attendance settings-table`"


def test_secrets_are_not_repeated_in_errors():
    with pytest.raises(SettingsError) as raised:
        load_settings(
            {"JWT_SECRET": "short-secret", "DATABASE_URL": "mysql://u:hunter2@x/y"}, env_file=None
        )
    assert "short-secret" not in str(raised.value) and "hunter2" not in str(raised.value)
    assert len(raised.value.problems) == 2


def test_a_data_folder_of_another_postgresql_is_refused_with_what_to_do(tmp_path):
    from infrastructure.embedded_postgres import IncompatibleDataDirectory, start_embedded_postgres

    pgdata = tmp_path / "postgres"
    pgdata.mkdir()
    (pgdata / "PG_VERSION").write_text("16\n")
    with pytest.raises(IncompatibleDataDirectory) as refused:
        start_embedded_postgres(tmp_path)
    assert "PostgreSQL 16" in str(refused.value) and "pg_dumpall" in str(refused.value)
    assert sorted(p.name for p in pgdata.iterdir()) == ["PG_VERSION"]  # untouched


def test_a_mail_server_needs_a_sender_and_in_production_the_address_links_begin_with():
    assert load_settings({}, env_file=None).smtp_host == ""  # no mail by default
    with pytest.raises(SettingsError) as raised:
        load_settings({"SMTP_HOST": "mail.school.example"}, env_file=None)
    assert raised.value.problems == ["SMTP_FROM is required when SMTP_HOST is set"]
    production = {
        "NODE_ENV": "production",
        "DATABASE_URL": "postgresql://u:p@localhost/db",
        "JWT_SECRET": SECRET,
        "CORS_ORIGIN": "https://attendance.school.example",
        "SMTP_HOST": "mail.school.example",
        "SMTP_FROM": "Live Attendance <attendance@school.example>",
    }
    with pytest.raises(SettingsError) as raised:
        load_settings(production, env_file=None)
    assert raised.value.problems == ["PUBLIC_URL is required in production when SMTP_HOST is set"]
    settings = load_settings(
        {**production, "PUBLIC_URL": "https://attendance.school.example"}, env_file=None
    )
    assert (settings.smtp_port, settings.smtp_security) == (587, "starttls")
    assert load_settings(settings.as_environment(), env_file=None) == settings


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("SMTP_FROM", "not an address"),
        ("SMTP_FROM", "a@school.example\r\nBcc: b@evil.example"),
        ("SMTP_SECURITY", "ssl"),
        ("PASSWORD_RESET_LINK_MINUTES", "61"),
        ("PASSWORD_RESET_LINK_MINUTES", "0"),
    ],
)
def test_mail_settings_are_checked(variable, value):
    with pytest.raises(SettingsError) as raised:
        load_settings({variable: value}, env_file=None)
    assert [problem.split()[0] for problem in raised.value.problems] == [variable]


def test_the_container_mails_through_smtp_only_when_a_server_is_named():
    from bootstrap.container import make_mailer
    from infrastructure.mail import NoMailer, SmtpMailer

    assert isinstance(make_mailer(load_settings({}, env_file=None)), NoMailer)
    named = load_settings(
        {"SMTP_HOST": "127.0.0.1", "SMTP_FROM": "a@school.example"}, env_file=None
    )
    mailer = make_mailer(named)
    assert isinstance(mailer, SmtpMailer) and mailer.configured
