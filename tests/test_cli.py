from chainrule import cli, selfcheck


def test_check_command_gradchecks_every_op(capsys):
    assert cli.main(["check"]) == 0
    out = capsys.readouterr().out
    assert f"{len(selfcheck.OPS)}/{len(selfcheck.OPS)} ops pass" in out
    for row in selfcheck.OPS:
        assert row.name in out


def test_check_reports_a_broken_op(monkeypatch, capsys):
    from chainrule.ops import unary

    monkeypatch.setattr(unary.Tanh, "backward", staticmethod(lambda ctx, g: g))  # drop the 1 - y^2 factor
    assert selfcheck.run() is False
    out = capsys.readouterr().out
    assert "tanh" in out and "FAIL" in out and "numerical" in out
