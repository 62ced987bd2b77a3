"""Faults: damaged index files are rebuilt, an invalid entry stops the server with file and field, an
unwritable data folder still serves."""

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from gradlab.cli import main
from gradlab.engine import Engine
from gradlab.ops.settings import load_settings

KNOWLEDGE = Path(__file__).resolve().parent.parent / "knowledge"


@pytest.fixture()
def built(tmp_path, fake_embedder):
    settings = load_settings({"DATA_DIR": str(tmp_path / "data")})
    engine = Engine.load(settings, embedder=fake_embedder)
    assert "index_build_s" in engine.timings
    return settings, engine, tmp_path / "data" / "index"


@pytest.mark.parametrize(
    ("file", "damage"),
    [
        ("dense.faiss", b"\x00garbage\xff" * 10),
        ("dense.faiss", None),
        ("owners.json", b"[1, 2"),
        ("owners.json", b'["only-one"]'),
        ("manifest.json", None),
    ],
)
def test_damaged_index_is_rebuilt(built, fake_embedder, file, damage):
    settings, engine, folder = built
    if damage is None:
        (folder / file).unlink()
    else:
        (folder / file).write_bytes(damage)
    again = Engine.load(settings, embedder=fake_embedder)
    assert "index_build_s" in again.timings
    assert again.dense.index.ntotal == engine.dense.index.ntotal
    assert Engine.load(settings, embedder=fake_embedder).timings.get("index_load_s") is not None


def test_unwritable_data_folder_still_serves(tmp_path, fake_embedder):
    blocker = tmp_path / "data"
    blocker.write_text("a file where the data folder should be")
    engine = Engine.load(load_settings({"DATA_DIR": str(blocker)}), embedder=fake_embedder)
    assert engine.retriever.rank("lstm forget gate", limit=1)


def test_serve_with_an_invalid_entry_stops_with_file_and_field(tmp_path, monkeypatch):
    knowledge = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, knowledge)
    path = knowledge / "gru.md"
    path.write_text(path.read_text(encoding="utf-8").replace("related:", "relatd:", 1), encoding="utf-8")
    monkeypatch.setenv("GRADLAB_KNOWLEDGE_DIR", str(knowledge))
    result = CliRunner().invoke(main, ["serve", "--port", "0"])
    assert result.exit_code == 1
    assert "gru.md: related" in result.output and "gru.md: relatd" in result.output
    assert "Traceback" not in result.output
