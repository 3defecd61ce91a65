"""examples/*.py: --help works, --live without its arguments says what is missing (exit 2), and every
example runs to the end against the fakes (each asserts its own outcome)."""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

import pytest

EXAMPLES = sorted((Path(__file__).parent.parent / "examples").glob("*.py"))
LIVE = {  # example -> the arguments --live needs
    "whmcs": ["INVOICE_ID"],
    "payabli": ["ID_INVOICE", "PDF_PATH"],
    "salesbricks": ["INVOICE_ID"],
    "upflow": ["INVOICE_EXTERNAL_ID", "PDF_PATH"],
    "invoro": ["DRAFT_UUID"],
}


def run(path: Path, argv: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "argv", [str(path), *argv])
    runpy.run_path(str(path), run_name="__main__")


def test_every_example_is_covered() -> None:
    assert {p.stem for p in EXAMPLES} == {*LIVE, "quickstart", "async_batch", "bulk", "unified"}


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_help(path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        run(path, ["--help"], monkeypatch)
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: {path.name} [-h]")
    for name in LIVE.get(path.stem, []):
        assert name in out


@pytest.mark.parametrize("name", sorted(LIVE))
def test_live_without_arguments_names_them(
    name: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Before: an IndexError, or a silent run against the fake. Now: exit 2 and the missing arguments."""
    path = next(p for p in EXAMPLES if p.stem == name)
    for argv in (["--live"], ["--live", "x"] if len(LIVE[name]) == 2 else ["--live", "--live"]):
        with pytest.raises(SystemExit) as info:
            run(path, argv, monkeypatch)
        assert info.value.code == 2
        err = capsys.readouterr().err
        assert f"--live {' '.join(LIVE[name])}" in err
        assert "argument --live: expected" in err


@pytest.mark.parametrize(
    ("name", "argv"), [("whmcs", ["--live", "abc"]), ("payabli", ["--live", "x", "f.pdf"])]
)
def test_live_id_must_be_a_number(
    name: str, argv: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = next(p for p in EXAMPLES if p.stem == name)
    with pytest.raises(SystemExit) as info:
        run(path, argv, monkeypatch)
    assert info.value.code == 2
    assert "must be a whole number" in capsys.readouterr().err


@pytest.mark.parametrize("name", ["salesbricks", "upflow", "invoro"])
def test_live_only_flags_need_live(
    name: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = next(p for p in EXAMPLES if p.stem == name)
    flag = "--x-api-key" if name == "invoro" else "--sandbox"
    with pytest.raises(SystemExit) as info:
        run(path, [flag], monkeypatch)
    assert info.value.code == 2
    assert f"{flag} needs --live" in capsys.readouterr().err


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_runs_against_the_fakes(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("UPFLOW_API_KEY", "SALESBRICKS_API_KEY", "PAYABLI_API_KEY", "INVORO_API_KEY", "WHMCS_URL"):
        monkeypatch.delenv(name, raising=False)
    run(path, [], monkeypatch)
