"""Secrets never leave the process in clear: `gradlab settings` and the logs mask tokens and URL passwords."""

import logging

import pytest
from click.testing import CliRunner
from gradlab.cli import main
from gradlab.ops.settings import mask_url
from gradlab.ops.storage import Storage

SECRETS = {
    "GRADLAB_ADMIN_TOKEN": "admin-t0ken-value",
    "GRADLAB_DATABASE": "postgresql+psycopg://gradlab:pg-passw0rd@127.0.0.1:1/gradlab",
    "GRADLAB_RATE_LIMIT_STORAGE": "redis://:redis-passw0rd@127.0.0.1:6379/0",
}


def test_settings_command_masks_the_token_and_url_passwords(monkeypatch):
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    output = CliRunner().invoke(main, ["settings"]).output
    for secret in ("admin-t0ken-value", "pg-passw0rd", "redis-passw0rd"):
        assert secret not in output
    assert "GRADLAB_ADMIN_TOKEN=***\n" in output
    assert "GRADLAB_DATABASE=postgresql+psycopg://gradlab:***@127.0.0.1:1/gradlab\n" in output
    assert "GRADLAB_RATE_LIMIT_STORAGE=redis://:***@127.0.0.1:6379/0\n" in output


def test_unreachable_database_is_logged_without_its_password(caplog):
    with caplog.at_level(logging.WARNING, logger="gradlab.ops.storage"):
        storage = Storage(SECRETS["GRADLAB_DATABASE"])  # nothing listens on port 1
    assert storage.ready is False
    assert "gradlab:***@127.0.0.1:1" in caplog.text
    assert "pg-passw0rd" not in caplog.text


@pytest.mark.parametrize(
    ("url", "masked"),
    [
        ("postgresql://u:p%40ss@db/x", "postgresql://u:***@db/x"),
        ("postgresql://u@/db?host=/run/pg&password=pw&port=5", "postgresql://u@/db?host=/run/pg&password=***&port=5"),
        ("redis://u:p@[::1]:6379", "redis://u:***@[::1]:6379"),
        ("memory://", "memory://"),
        ("sqlite:////srv/gradlab.sqlite3", "sqlite:////srv/gradlab.sqlite3"),
    ],
)
def test_mask_url_hides_only_the_password(url, masked):
    assert mask_url(url) == masked
