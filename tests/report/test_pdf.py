"""The PDF summary: one or two A4 pages, each with the not-medical-advice notice."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest


@pytest.fixture()
def rendered(flagged_report: tuple[object, Path, Path], browser_tools: dict[str, str]
             ) -> tuple[Path, dict[str, str]]:
    return flagged_report[2], browser_tools


def test_pdf_converts_to_one_or_two_png_pages(rendered: tuple[Path, dict[str, str]],
                                             tmp_path: Path) -> None:
    pdf, tools = rendered
    assert pdf.read_bytes()[:5] == b"%PDF-"
    done = subprocess.run([tools["pdftoppm"], "-png", "-r", "40", str(pdf),
                           str(tmp_path / "page")], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    pages = sorted(tmp_path.glob("page-*.png"))
    assert 1 <= len(pages) <= 2
    for page in pages:
        assert page.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert page.stat().st_size > 5_000  # not a blank page


def test_every_pdf_page_says_not_medical_advice(rendered: tuple[Path, dict[str, str]]) -> None:
    pdf, tools = rendered
    pdftotext = Path(tools["pdftoppm"]).with_name("pdftotext")
    if not pdftotext.exists():
        pytest.skip("pdftotext (poppler-utils) not installed")
    text = subprocess.run([str(pdftotext), "-layout", str(pdf), "-"], check=False,
                          capture_output=True, text=True, timeout=60).stdout
    pages = [p for p in text.split("\f") if p.strip()]
    assert 1 <= len(pages) <= 2
    for page in pages:
        assert "Not medical advice" in page
        assert "sleep specialist" in page and "neurologist" in page
    assert "Hypnogram used: scored: night.xml (scored)" in pages[0]
    # a warning sign: page 2 opens with "Please see a doctor", seizure signs first
    assert pages[-1].index("Please see a doctor") < pages[-1].index("What the recording showed")
    assert "urgently" in pages[-1]
