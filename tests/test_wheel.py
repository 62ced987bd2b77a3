"""The wheel is the whole product: built here, installed into a fresh venv outside the repo, it answers, runs a
demo and serves, and writes nothing into site-packages."""

import json
import socket
import subprocess
import sys
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out), str(REPO)],
        check=True,
    )
    (path,) = out.glob("gradlab-*.whl")
    return path


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> dict:
    """A fresh venv with the local CPU torch and the wheel; HOME and the XDG folders point into a scratch dir."""
    root = tmp_path_factory.mktemp("installed")
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    subprocess.run([*pip, "torch==2.13.0"], check=True)
    subprocess.run([*pip, str(wheel)], check=True)
    home = root / "home"
    env = {
        "PATH": f"{venv / 'bin'}:/usr/bin:/bin",
        "HOME": str(home),
        "XDG_CACHE_HOME": str(home / "cache"),
        "XDG_DATA_HOME": str(home / "share"),
        "HF_HUB_OFFLINE": "1",
        "LANG": "C.UTF-8",
    }
    workdir = root / "elsewhere"
    workdir.mkdir()
    return {"venv": venv, "env": env, "cwd": workdir, "home": home}


def run(installed: dict, *args: str, timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        args, cwd=installed["cwd"], env=installed["env"], capture_output=True, text=True, timeout=timeout
    )


def test_wheel_holds_only_the_gradlab_package(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    tops = {name.split("/", 1)[0] for name in names}
    assert tops == {"gradlab", wheel.name.split("-py3")[0] + ".dist-info"}, tops
    for data_file in (
        "gradlab/knowledge/entries/lstm.md",
        "gradlab/knowledge/entries/glossary.yaml",
        "gradlab/knowledge/entries/topics.yaml",
        "gradlab/web/static/lab.js",
        "gradlab/knowledge/entries/topics.yaml",
        "gradlab/retrieval/calibration.json",
        "gradlab/web/static/app.js",
        "gradlab/demos/gradient_vs_lag.py",
    ):
        assert data_file in names


def test_installed_gradlab_answers_from_another_folder(installed):
    done = run(installed, "gradlab", "ask", "--json", "why does my LSTM loss become NaN?")
    assert done.returncode == 0, done.stderr[-2000:]
    data = json.loads(done.stdout)
    assert data["answered"] and data["answer"]["id"] == "nan-loss"
    # built artefacts went to the user cache folder, not into site-packages
    assert (installed["home"] / "cache" / "gradlab" / "index").is_dir()
    site = next((installed["venv"] / "lib").glob("python3*/site-packages/gradlab"))
    assert not (site / "data").exists() and not (site.parent / "data").exists()


def test_installed_demo_runs_by_cli_and_as_a_module(installed, tmp_path):
    done = run(installed, "gradlab", "demo", "run", "receptive_field", "--quick", "--out", str(tmp_path / "cli"))
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Claim HELD" in done.stdout
    python = str(installed["venv"] / "bin" / "python")
    done = run(installed, python, "-m", "gradlab.demos.receptive_field", "--quick", "--out", str(tmp_path / "mod"))
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads((tmp_path / "mod" / "result.json").read_text())["claim_held"] is True


def test_installed_server_answers_over_http(installed):
    port = free_port()
    server = subprocess.Popen(
        ["gradlab", "serve", "--port", str(port)],
        cwd=installed["cwd"],
        env={**installed["env"], "GRADLAB_WORKERS": "1", "GRADLAB_THREADS": "2"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        body = json.dumps({"question": "什么是感受野"}).encode()
        deadline = time.monotonic() + 180
        while True:
            try:
                request = urllib.request.Request(
                    f"http://127.0.0.1:{port}/api/ask", data=body, headers={"Content-Type": "application/json"}
                )
                with urllib.request.urlopen(request, timeout=30) as response:
                    data = json.loads(response.read())
                break
            except OSError:
                assert server.poll() is None, server.stderr.read().decode()[-2000:]
                assert time.monotonic() < deadline, "server did not answer within 180 s"
                time.sleep(0.5)
        assert data["answer"]["id"] == "receptive-field"
        # the query log went to the user data folder
        assert (installed["home"] / "share" / "gradlab" / "gradlab.sqlite3").is_file()
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert not any(installed["cwd"].iterdir()), "the server wrote into the folder it was started from"
