"""`credit report quality-status` writes the report; `credit serve` says when PDFs cannot be drawn."""

from __future__ import annotations

import datetime

import pytest

from credit import server
from credit.web import pdf
from tests import statistics_fake
from tests.pdf_tools import needs_pdf, pdf_text
from tests.unit import test_cli

pytestmark = pytest.mark.today(datetime.date(2026, 10, 15))
# `credit ARGS...` against a migrated registry of its own, as the other command tests run it.
registry = test_cli.registry
credit = test_cli.credit


@pytest.fixture
def calls(monkeypatch):
    return statistics_fake.install(monkeypatch, statistics_fake.zhenjiang)


@needs_pdf
def test_the_command_writes_the_pdf(credit, calls, tmp_path):
    out = tmp_path / "zhenjiang-2026Q3.pdf"
    result = credit(
        "report", "quality-status", "--region", "3211", "--period", "2026Q3", "--out", str(out)
    )
    assert result.exit_code == 0, result.output
    assert "镇江市2026年第三季度质量状况分析报告" in result.output
    text = pdf_text(out.read_bytes())
    assert "质量状况分析报告" in text and "十、分区县情况" in text


def test_the_command_writes_the_page_when_asked_for_html(credit, calls, tmp_path):
    out = tmp_path / "report.html"
    result = credit(
        "report", "quality-status", "--region", "3211", "--period", "2025", "--out", str(out)
    )
    assert result.exit_code == 0, result.output
    assert "本期无监督抽查数据" in out.read_text(encoding="utf-8")


def test_a_bad_period_fails_naming_it_and_writes_nothing(credit, calls, tmp_path):
    out = tmp_path / "report.pdf"
    result = credit(
        "report", "quality-status", "--region", "3211", "--period", "2026Q5", "--out", str(out)
    )
    assert result.exit_code == 1
    assert "period:" in result.stderr
    assert not out.exists()


def test_without_a_chinese_font_the_command_says_what_to_install(
    credit, calls, tmp_path, monkeypatch
):
    monkeypatch.setattr(pdf, "cjk_families", lambda: [])
    out = tmp_path / "report.pdf"
    result = credit(
        "report", "quality-status", "--region", "3211", "--period", "2026Q3", "--out", str(out)
    )
    assert result.exit_code == 1
    assert "apt-get install -y fontconfig fonts-noto-cjk" in result.stderr
    assert not out.exists()


def test_serve_warns_at_start_when_no_chinese_font_is_installed(credit, monkeypatch):
    monkeypatch.setattr(pdf, "cjk_families", lambda: [])
    monkeypatch.setattr(server.Server, "run", lambda self: None)
    result = credit("serve")
    assert result.exit_code == 0, result.output
    assert "warning: PDFs cannot be rendered" in result.stderr
    assert "apt-get install -y fontconfig fonts-noto-cjk" in result.stderr
