"""`foodcap compare` and `foodcap report` on a zero-shot run and a fine-tuned run, the page opened in Chromium.

Debian's chromium is driven by playwright (never `playwright install`): scripts/require-chromium
installs it. The full-page screenshot is kept in $FOODCAP_TEST_ARTIFACTS (or the test's tmp folder).
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from conftest import Cli

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SAMPLE = ["--dataset", "sample", "--limit", "8", "--batch-size", "8", "--num-workers", "0", "--metrics", "exact-match"]


def make_runs(foodcap: Cli) -> None:
    zero_shot = foodcap("run", "--captioner", "dominant-colour", *SAMPLE, "--out", "zero-shot")
    assert zero_shot.returncode == 0, zero_shot.stderr
    trained = foodcap(
        "train",
        "--captioner",
        "vit-gpt2",
        "--random-weights",
        "tiny",
        *SAMPLE,
        "--epochs",
        "3",
        "--lr",
        "1e-3",
        "--eval-limit",
        "4",
        "--max-new-tokens",
        "6",
        "--num-beams",
        "1",
        "--out",
        "fine-tuned",
    )
    assert trained.returncode == 0, trained.stderr


def test_report_page_loads_cleanly_in_chromium(foodcap: Cli, tmp_path: Path) -> None:
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed: run scripts/require-chromium (apt-get install chromium)")
    make_runs(foodcap)

    compared = foodcap("compare", "zero-shot", "fine-tuned", "--format", "json")
    assert compared.returncode == 0, compared.stderr
    document = json.loads(compared.stdout)
    assert [run["label"] for run in document["runs"]] == ["zero-shot", "fine-tuned"]
    assert document["mismatches"] == []  # same sample, split, limit and dialect: comparable

    reported = foodcap("report", "zero-shot", "fine-tuned", "--out", "report", "--gallery-size", "6")
    assert reported.returncode == 0, reported.stderr
    page_path = tmp_path / "report" / "index.html"
    shutil.rmtree(tmp_path / "zero-shot")  # the report must not need the run folders (or their images)

    artifacts = Path(os.environ.get("FOODCAP_TEST_ARTIFACTS") or tmp_path / "artifacts")
    artifacts.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
            page.on("pageerror", lambda error: problems.append(str(error)))
            page.on("requestfailed", lambda request: problems.append(f"failed: {request.url}"))
            page.goto(page_path.as_uri(), wait_until="load")

            broken = page.evaluate(
                "Array.from(document.images).filter(i => !i.complete || i.naturalWidth === 0).map(i => i.src)"
            )
            headers = page.locator("#results thead th").all_inner_texts()
            plots = page.locator("#curves img").count()
            cards = page.locator("#gallery .card")
            card_count = cards.count()
            gallery_ids = page.locator("#gallery .card .id").all_inner_texts()
            first_card = cards.first.inner_text()
            dataset = page.locator("#dataset").inner_text()
            bold_cells = page.locator("#results td.best").count()
            extremes = page.locator("#extremes").inner_text()
            image_count = page.evaluate("document.images.length")
            page.screenshot(path=str(artifacts / "report-screenshot.png"), full_page=True)
        finally:
            browser.close()

    assert problems == []
    assert broken == [] and image_count >= plots + card_count
    assert headers == ["metric", "zero-shot", "fine-tuned"]
    assert plots == 3  # loss, val metrics, test scores
    predictions = [json.loads(x) for x in (tmp_path / "fine-tuned" / "predictions.jsonl").read_text().splitlines()]
    assert card_count == 6 and set(gallery_ids) <= {p["id"] for p in predictions}
    assert "zero-shot:" in first_card and "fine-tuned:" in first_card and "Ground truth:" in first_card
    assert "rows read" in dataset and "test images" in dataset
    # exact-match is 0 for both runs here: no run is marked best, and ties are said to be ties.
    assert bold_cells == 0 and "so its best and worst are not told apart" in extremes
    assert (artifacts / "report-screenshot.png").stat().st_size > 10_000
