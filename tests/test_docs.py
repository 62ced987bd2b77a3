"""The docs stay true: every setting, command and demo the code declares is documented."""

from pathlib import Path

import click
import pytest
from gradlab import demos
from gradlab.cli import main
from gradlab.ops.settings import SETTINGS

REPO = Path(__file__).resolve().parent.parent
README = (REPO / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("setting", SETTINGS, ids=[s.name for s in SETTINGS])
def test_every_setting_is_in_the_readme(setting):
    assert f"`{setting.env}`" in README


def command_names(group: click.Group, prefix: str = "gradlab") -> list[str]:
    names = []
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            names += command_names(command, f"{prefix} {name}")
        else:
            names.append(f"{prefix} {name}")
    return names


@pytest.mark.parametrize("command", command_names(main))
def test_every_cli_command_is_in_the_readme(command):
    assert f"`{command}" in README


def test_readme_first_screen_shows_the_two_commands():
    first_screen = "\n".join(README.splitlines()[:20])
    assert "make serve" in first_screen and "make test" in first_screen


def test_readme_screenshot_exists():
    assert (REPO / "docs" / "chat-en.png").read_bytes()[:4] == b"\x89PNG"


def test_ci_runs_the_readme_test_command():
    assert "make test" in (REPO / ".ci" / "run").read_text()


def test_demo_claims_in_the_demos_readme_match_the_code():
    readme = (REPO / "demos" / "README.md").read_text(encoding="utf-8")
    for name in demos.DEMOS:
        assert demos.load(name).CLAIM["en"].replace("|", "\\|") in readme, name


def test_readme_shows_every_page_screenshot():
    import importlib.util

    spec = importlib.util.spec_from_file_location("screenshots", REPO / "bench" / "screenshots.py")
    screenshots = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(screenshots)
    for name in screenshots.SHOTS:
        assert (REPO / "docs" / name).read_bytes()[:4] == b"\x89PNG", name
        assert f"docs/{name}" in README, name
