"""Every demo run writes an English and a Chinese plot at 150 dpi; the API serves the one in the answer's language."""

import struct

import pytest
from gradlab import create_app, demos
from gradlab.demos import _harness
from gradlab.engine import Engine
from gradlab.knowledge.demo_results import build_results, result_dir
from gradlab.ops.settings import load_settings

from tests.conftest import assert_error

CHEAP = "truncated_bptt"  # the fastest demo: enough to build real plots for the API


def png_size(path) -> tuple[int, int]:
    """Return (width, height) from a PNG header."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


@pytest.mark.parametrize("name", demos.DEMOS)
def test_every_demo_declares_a_takeaway_title_and_chinese_plot_phrases(name):
    module = demos.load(name)
    assert set(module.TAKEAWAY) == {"en", "zh"} and all(module.TAKEAWAY.values())
    assert module.PLOT_ZH and all(isinstance(v, str) and v for v in module.PLOT_ZH.values())


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("data-plots")
    assert build_results(data_dir, names=(CHEAP,)) == {CHEAP: "ran"}
    return data_dir


def test_a_run_writes_both_plots_at_150_dpi(built):
    out = result_dir(built, CHEAP)
    english, chinese = out / "plot.png", out / "plot.zh.png"
    assert png_size(english) == png_size(chinese) == (1200, 675)  # 8 x 4.5 inches at 150 dpi
    assert english.read_bytes() != chinese.read_bytes()


def test_the_chinese_plot_falls_back_to_english_labels_without_a_cjk_font(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(_harness, "cjk_font_family", lambda: None)
    module = demos.load(CHEAP)
    result = module.run(module.Config(quick=True))
    _harness.save_plot(module, result, tmp_path / "plot.zh.png", lang="zh")
    _harness.save_plot(module, result, tmp_path / "plot.png")
    assert "no CJK font found" in capsys.readouterr().out
    assert (tmp_path / "plot.zh.png").read_bytes() == (tmp_path / "plot.png").read_bytes()


def test_translate_figure_replaces_phrases_longest_first_and_legends_are_at_least_9_pt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = plt.figure()
    ax = fig.add_subplot(1, 1, 1)
    ax.plot([0, 1], label="training step")
    ax.set_xlabel("training step (log scale)")
    ax.legend(fontsize=6)
    _harness.translate_figure(fig, {"step": "步", "training step": "训练步数", "(log scale)": "（对数坐标）"})
    assert ax.get_xlabel() == "训练步数 （对数坐标）"
    assert ax.get_legend().get_texts()[0].get_text() == "训练步数"
    plt.close(fig)


def test_saved_plots_have_legends_of_at_least_9_pt(monkeypatch, tmp_path):
    import matplotlib.pyplot as plt

    sizes, close = [], plt.close

    def record_then_close(fig):  # the harness closes the figure after saving: read its legends first
        sizes.extend(t.get_fontsize() for ax in fig.axes if ax.get_legend() for t in ax.get_legend().get_texts())
        close(fig)

    monkeypatch.setattr(plt, "close", record_then_close)
    module = demos.load(CHEAP)
    result = module.run(module.Config(quick=True))
    _harness.save_plot(module, result, tmp_path / "plot.png")
    assert sizes and min(sizes) >= 9


@pytest.fixture()
def plot_client(built, fake_embedder, tmp_path):
    settings = load_settings({"DATA_DIR": str(built)})
    engine = Engine.load(settings, embedder=fake_embedder)
    app = create_app({"DATA_DIR": str(built), "DATABASE": str(tmp_path / "t.sqlite3")}, engine=engine)
    return app.test_client()


def test_api_serves_the_chinese_plot_for_lang_zh(plot_client, built):
    english = plot_client.get(f"/api/demos/{CHEAP}/plot.png")
    chinese = plot_client.get(f"/api/demos/{CHEAP}/plot.png?lang=zh")
    assert english.status_code == chinese.status_code == 200
    assert english.data == (result_dir(built, CHEAP) / "plot.png").read_bytes()
    assert chinese.data == (result_dir(built, CHEAP) / "plot.zh.png").read_bytes()


def test_demo_payload_plot_url_carries_the_language(plot_client):
    assert plot_client.get(f"/api/demos/{CHEAP}").get_json()["plot_url"] == f"/api/demos/{CHEAP}/plot.png"
    zh = plot_client.get(f"/api/demos/{CHEAP}?lang=zh").get_json()
    assert zh["plot_url"] == f"/api/demos/{CHEAP}/plot.png?lang=zh"
    assert plot_client.get(zh["plot_url"]).status_code == 200


def test_a_chinese_answer_links_the_chinese_plot(plot_client):
    data = plot_client.post("/api/ask", json={"question": "截断 BPTT truncated BPTT detach", "lang": "zh"}).get_json()
    demo = data["answer"]["demo"]
    assert data["lang"] == "zh" and demo["name"] == CHEAP
    assert demo["plot_url"] == f"/api/demos/{CHEAP}/plot.png?lang=zh"


def test_a_missing_plot_file_is_a_404_in_the_error_shape(plot_client, built):
    chinese = result_dir(built, CHEAP) / "plot.zh.png"
    saved = chinese.read_bytes()
    chinese.unlink()
    try:
        body = assert_error(plot_client.get(f"/api/demos/{CHEAP}/plot.png?lang=zh"), 404)
        assert "no built zh plot" in body["message"]
    finally:
        chinese.write_bytes(saved)


def test_plot_lang_must_be_en_or_zh(plot_client):
    assert_error(plot_client.get(f"/api/demos/{CHEAP}/plot.png?lang=fr"), 400)
