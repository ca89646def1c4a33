"""The report page: every experiment's section and figures, the Chinese page, no figures without
matplotlib, and a real headless browser that opens it without console errors."""

import html
import re
import shutil
import subprocess

import pytest
from lab_helpers import missing

from chainrule.lab import registry
from chainrule.lab.report import figures, render_html, write_report
from chainrule.lab.runner import run_lab


@pytest.fixture(scope="module")
def tiny_lab(tmp_path_factory):
    """The whole lab at the tiny budget (the experiments this checkout can run)."""
    out = tmp_path_factory.mktemp("lab")
    ids = [i for i in registry.ids() if not missing(i)]
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        doc = run_lab(ids, out=out, budget="tiny", seed=0, stream=None)
    # Drawn once (matplotlib takes seconds for the whole page) and shared by the tests below.
    write_report(doc, out, figures=figures.available())
    return doc, out


def test_every_experiment_has_its_section_verdict_and_figures_and_opens_in_a_browser(tiny_lab, tmp_path):
    # One test over the whole-lab fixture, so a parallel run builds it once.
    pytest.importorskip("matplotlib")
    doc, out = tiny_lab
    page = (out / "index.html").read_text(encoding="utf-8")
    summary = page[page.index('id="verdicts"') : page.index("</table>", page.index('id="verdicts"'))]
    for experiment_id, result in doc["experiments"].items():
        assert f'<section id="{experiment_id}"' in page
        assert f'href="#{experiment_id}"' in summary
        assert html.escape(result["title_en"]) in page
        section = page[page.index(f'<section id="{experiment_id}"') :]
        section = section[: section.index("</section>")]
        assert html.escape(result["rule"].split("\n")[1]) in section
        for index, _ in enumerate(registry.get(experiment_id).spec.figures):
            assert f'data-figure="{experiment_id}-{index}"><svg' in section, (experiment_id, index)
    assert not re.search(r'(src|href)="(https?:)?//', page)  # self-contained: nothing fetched
    assert "<script src" not in page and "<link" not in page
    _open_in_browser(out / "index.html", tmp_path, list(doc["experiments"]))


@pytest.fixture(scope="module")
def slice_doc(tmp_path_factory):
    """A few real results plus every other experiment as an (error) entry: all titles, cheaply."""
    out = tmp_path_factory.mktemp("slice")
    doc = run_lab(["l2-shrink-factor", "exploding-init", "imbalance-metrics"], out=out, budget="tiny", stream=None)
    for experiment_id in registry.ids():
        if experiment_id not in doc["experiments"]:
            doc["experiments"][experiment_id] = registry.error_result(
                experiment_id, "tiny", [0], "not run here"
            ).to_dict()
    return doc


def test_chinese_page_renders_titles_claims_and_labels(slice_doc):
    doc = slice_doc
    page = render_html(doc, lang="zh", figures=False)
    assert '<html lang="zh-CN">' in page
    for result in doc["experiments"].values():
        assert html.escape(result["title_zh"]) in page
        assert html.escape(result["claim_zh"]) in page
    assert "判定规则" in page and "结论一览" in page


def test_without_matplotlib_the_page_has_everything_but_figures(slice_doc, monkeypatch):
    doc = slice_doc
    monkeypatch.setattr(figures, "available", lambda: False)
    page = render_html(doc)
    assert "<svg" not in page
    assert "Figures need matplotlib" in page
    for experiment_id in doc["experiments"]:
        assert f'<section id="{experiment_id}"' in page


def test_unknown_language_is_refused(slice_doc):
    with pytest.raises(ValueError, match="lang should be 'en' or 'zh'"):
        render_html(slice_doc, lang="fr")


def _chromium():
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


def _open_in_browser(page, tmp_path, experiment_ids):
    """Open ``page`` in headless Chromium: the page's script ran and nothing reached the console."""
    browser = _chromium()
    if browser is None:
        pytest.skip("no Chromium on this machine")
    completed = subprocess.run(
        [
            browser,
            "--headless",
            "--disable-gpu",
            "--no-sandbox",
            "--enable-logging=stderr",
            "--v=0",
            "--user-data-dir=" + str(tmp_path / "profile"),
            "--dump-dom",
            page.resolve().as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    # The page's own script marks the body once it ran: it did run, and without an error.
    assert 'data-ready="1"' in completed.stdout
    console = [line for line in completed.stderr.splitlines() if "CONSOLE" in line or "Uncaught" in line]
    assert console == [], console
    for experiment_id in experiment_ids:
        assert f'id="{experiment_id}"' in completed.stdout


def test_chinese_page_opens_in_a_browser_without_console_errors(slice_doc, tmp_path):
    page = write_report(slice_doc, tmp_path, lang="zh")
    _open_in_browser(page, tmp_path, list(slice_doc["experiments"]))


def test_curves_of_different_lengths_across_seeds_are_drawn_per_seed():
    pytest.importorskip("matplotlib")
    result = {
        "id": "x",
        "measurements": {
            "seeds": {
                "0": {"series": {"epoch": [1, 2, 3, 4], "loss": [4.0, 3.0, 2.0]}, "measurements": {}},
                "1": {"series": {"epoch": [1, 2, 3, 4], "loss": [4.0, 2.0]}, "measurements": {}},
            }
        },
    }
    spec = {"kind": "line", "title": "t", "x": "epoch", "y": ["loss"], "xlabel": "", "ylabel": "", "logy": True}
    svg = figures.draw(result, spec, 0)
    assert svg.startswith("<svg") and "<metadata>" not in svg
