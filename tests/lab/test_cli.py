"""``chainrule lab``: list, run, the verdict table, exit codes and clear messages."""

import json

import pytest

from chainrule import cli
from chainrule.lab import registry


def test_lab_list_shows_every_id(capsys):
    assert cli.main(["lab", "list"]) == 0
    out = capsys.readouterr().out
    for experiment_id in registry.ids():
        assert experiment_id in out


def test_lab_run_writes_report_and_prints_the_verdict_table(tmp_path, capsys):
    code = cli.main(["lab", "run", "l2-shrink-factor", "exploding-init", "--budget", "tiny", "--out", str(tmp_path)])
    assert code == 0
    captured = capsys.readouterr()
    assert "verdict" in captured.out and "l2-shrink-factor" in captured.out and "exploding-init" in captured.out
    assert "1/1 seeds" in captured.err  # the progress bar
    doc = json.loads((tmp_path / "results.json").read_text())
    assert set(doc["experiments"]) == {"l2-shrink-factor", "exploding-init"}
    assert (tmp_path / "index.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_lab_run_in_chinese(tmp_path):
    assert cli.main(["lab", "run", "l2-shrink-factor", "--budget", "tiny", "--lang", "zh", "--out", str(tmp_path)]) == 0
    page = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert 'lang="zh-CN"' in page and "结论一览" in page


def test_unknown_id_exits_2_with_a_message(tmp_path, capsys):
    assert cli.main(["lab", "run", "no-such-claim", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "unknown experiment id: no-such-claim" in err and "chainrule lab list" in err
    assert not (tmp_path / "results.json").exists()


def test_unwritable_out_exits_2(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert cli.main(["lab", "run", "l2-shrink-factor", "--budget", "tiny", "--out", str(blocker / "sub")]) == 2
    assert "cannot write to the output folder" in capsys.readouterr().err


def test_unreachable_scheduler_exits_2(tmp_path, capsys):
    pytest.importorskip("distributed")
    argv = ["lab", "run", "l2-shrink-factor", "--out", str(tmp_path), "--scheduler", "tcp://127.0.0.1:9"]
    assert cli.main(argv + ["--scheduler-timeout", "1"]) == 2
    assert "cannot reach the Dask scheduler" in capsys.readouterr().err


def test_corrupted_results_on_resume_exits_2_and_keeps_the_file(tmp_path, capsys):
    (tmp_path / "results.json").write_text("{not json")
    assert cli.main(["lab", "run", "l2-shrink-factor", "--budget", "tiny", "--out", str(tmp_path), "--resume"]) == 2
    assert "corrupted" in capsys.readouterr().err
    assert (tmp_path / "results.json").read_text() == "{not json"


def test_an_experiment_error_gives_exit_code_1(tmp_path, capsys, monkeypatch):
    def fails(budget, seed):
        raise RuntimeError("broken on purpose")

    fails.spec = registry.get("l2-shrink-factor").spec
    real_get = registry.get
    monkeypatch.setattr(registry, "get", lambda i: fails if i == "l2-shrink-factor" else real_get(i))
    code = cli.main(["lab", "run", "l2-shrink-factor", "exploding-init", "--budget", "tiny", "--out", str(tmp_path)])
    assert code == 1
    out = capsys.readouterr().out
    assert "1 experiment(s) raised: l2-shrink-factor" in out
    doc = json.loads((tmp_path / "results.json").read_text())
    assert "RuntimeError: broken on purpose" in doc["experiments"]["l2-shrink-factor"]["error"]
    assert doc["experiments"]["exploding-init"]["verdict"] != "error"
    assert "broken on purpose" in (tmp_path / "index.html").read_text(encoding="utf-8")
