"""The HTML report as a person sees it: rendered by a real headless Chromium (Debian's chromium package), with
the DOM it builds checked for the framework numbers and a failing control's resource and fix."""
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from drkit.report.bundle import write_bundle
from drkit.report.locations import SourceLocator
from tests.support.report_sample import BUCKET_URN, FIX, sample_run
from tests.support.stacks import REPO

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install -y chromium); "
                                                         "the HTML report needs a real browser to be checked")
_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
          "--disable-component-update", "--disable-sync", "--no-first-run"]


def chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([CHROMIUM, *_FLAGS, f"--user-data-dir={tmp_path / 'profile'}", *args],
                          capture_output=True, text=True, timeout=120)


class _Cells(HTMLParser):
    """From the browser's serialised DOM: the framework summary's counts per row, and the text of each finding."""

    def __init__(self):
        super().__init__()
        self.rows: dict[str, dict[str, str]] = {}
        self._row: str | None = None
        self._cell: str | None = None
        self.finding_text: list[str] = []
        self._in_finding = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "tr" and "data-framework" in attrs:
            self._row = attrs["data-framework"]
            self.rows[self._row] = {}
        elif tag == "td" and self._row is not None:
            self._cell = attrs.get("data-count")
        if tag == "tr" and "finding" in (attrs.get("class") or ""):
            self._in_finding += 1
            self.finding_text.append("")

    def handle_endtag(self, tag):
        if tag == "tr":
            self._row = None
            if self._in_finding:
                self._in_finding -= 1
        if tag == "td":
            self._cell = None

    def handle_data(self, data):
        if self._row is not None and self._cell:
            self.rows[self._row][self._cell] = self.rows[self._row].get(self._cell, "") + data.strip()
        if self._in_finding:
            self.finding_text[-1] += data


def test_browser_renders_framework_summary_and_failure_with_resource_and_fix(tmp_path):
    run = sample_run()
    page = write_bundle(run, tmp_path / "report", SourceLocator(REPO))["html"]
    done = chromium(tmp_path, "--dump-dom", page.resolve().as_uri())
    assert done.returncode == 0, done.stderr[-2000:]
    dom = done.stdout
    assert "<title>Compliance report: ecommerce-dr / prod (FAILED)</title>" in dom
    cells = _Cells()
    cells.feed(dom)
    for summary in run.framework_summaries():
        row = cells.rows[summary.key]
        assert int(row["total"]) == summary.total, summary.key
        assert {verdict: int(row[verdict]) for verdict in summary.counts} == summary.counts, summary.key
    failing = [text for text in cells.finding_text if BUCKET_URN in text]
    assert failing and all(FIX in text for text in failing)
    assert "<script>alert" not in dom  # the hostile title was escaped, not executed or parsed as markup


def test_browser_screenshot_of_the_report(tmp_path):
    page = write_bundle(sample_run(), tmp_path / "report", SourceLocator(REPO))["html"]
    shot = tmp_path / "report.png"
    done = chromium(tmp_path, "--hide-scrollbars", "--window-size=1280,2400", f"--screenshot={shot}",
                    page.resolve().as_uri())
    assert done.returncode == 0 and shot.is_file(), done.stderr[-2000:]
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000


def _screenshot(tmp_path: Path, page: Path, name: str) -> bytes:
    shot = tmp_path / f"{name}.png"
    done = chromium(tmp_path, "--hide-scrollbars", "--window-size=1280,1800", f"--screenshot={shot}",
                    page.resolve().as_uri())
    assert done.returncode == 0 and shot.is_file(), done.stderr[-2000:]
    return shot.read_bytes()


def test_the_findings_filter_works_in_a_real_browser_without_scripts(tmp_path):
    # The page opens on the findings that fail the gate; choosing "all" must show the advisory and accepted ones
    # too. No script runs: the filter is radio buttons and CSS, so the rendering itself must change.
    page = write_bundle(sample_run(), tmp_path / "report", SourceLocator(REPO))["html"]
    text = page.read_text()
    assert "<script" not in text.lower() and ' id="state-blocking" checked' in text
    everything = tmp_path / "all.html"
    everything.write_text(text.replace(' id="state-blocking" checked', ' id="state-blocking"')
                          .replace(' id="state-all">', ' id="state-all" checked>'))
    assert _screenshot(tmp_path, page, "blocking") != _screenshot(tmp_path, everything, "all")
