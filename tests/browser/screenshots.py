"""Screenshots of the researcher pages for the README, taken from a running server.

Serve the seed knowledge base, then run this script (it writes docs/screenshots/*.png):

    DATABASE_URL=sqlite:////tmp/ui.sqlite3 .venv/bin/python manage.py migrate
    DATABASE_URL=sqlite:////tmp/ui.sqlite3 .venv/bin/python manage.py load_seed
    DATABASE_URL=sqlite:////tmp/ui.sqlite3 .venv/bin/python manage.py runserver 127.0.0.1:8765
    .venv/bin/python -m tests.browser.screenshots --base-url http://127.0.0.1:8765

The Proposals queue (proposals.png, and proposals-candidates.png for its new-entity candidates)
needs a signed-in editor and a source with proposals, e.g. after
`manage.py ingest_source news.md --publisher SLUG --title "Qwen this week" --propose`:

    .venv/bin/python -m tests.browser.screenshots --admin NAME:PASSWORD --queue source=ID

It is not a test (pytest does not collect it): it writes into the repository.
"""

import argparse
from pathlib import Path
from urllib.parse import quote

from playwright.sync_api import Page, sync_playwright

from tests.browser.chromium import DESKTOP, PHONE, launch

OUT = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def _open_fact(page: Page, slug: str) -> None:
    page.locator(f"#fact-{slug} > details > summary").click()


def _first_dispute(page: Page) -> None:
    page.goto(page.url.split("?")[0] + "?group=pair")
    page.locator("table.disputes tbody a").first.click()
    page.wait_for_load_state()


def _first_fact(page: Page) -> None:
    page.locator("table.fact-disputes tbody a").first.click()
    page.wait_for_load_state()


SHOTS = [
    # (file name, path, viewport, action before the shot, whole page?)
    ("home", "/", DESKTOP, None, True),
    ("search", "/search/?q=Qwen3.5-Max", DESKTOP, None, True),
    ("search-publisher", "/search/?q=KrASIA", DESKTOP, None, True),
    ("search-compact", "/search/?q=qwen35max", DESKTOP, None, True),
    (
        "entity",
        "/entities/qwen3-5-max-preview/",
        DESKTOP,
        lambda p: _open_fact(p, "total-parameters"),
        True,
    ),
    (
        "entity-time-chart",
        "/entities/qwen/",
        DESKTOP,
        lambda p: _open_fact(p, "largest-model-parameters"),
        "#fact-largest-model-parameters",
    ),
    ("metric", "/metrics/total-parameters/", DESKTOP, None, True),
    ("disputes", "/disputes/", DESKTOP, None, True),
    ("dispute-fact", "/disputes/", DESKTOP, _first_fact, True),
    ("dispute", "/disputes/", DESKTOP, _first_dispute, True),
    ("source", "/disputes/", DESKTOP, None, False),
    ("sources", "/sources/", DESKTOP, None, True),
    ("publishers", "/publishers/", DESKTOP, None, True),
    ("claims", "/claims/?metric=total-parameters", DESKTOP, None, True),
    ("publisher", "/publishers/krasia/", DESKTOP, None, True),
    ("not-found", "/entities/no-such-model/", DESKTOP, None, False),
    (
        "phone-entity",
        "/entities/qwen3-5-max-preview/",
        PHONE,
        lambda p: _open_fact(p, "total-parameters"),
        True,
    ),
    ("phone-dispute", "/disputes/", PHONE, _first_dispute, True),
    ("phone-home", "/", PHONE, None, True),
    ("phone-metric", "/metrics/largest-model-parameters/", PHONE, None, True),
]


def take(base_url: str, out: Path = OUT) -> list[Path]:
    """Take every screenshot in SHOTS; returns the files written."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    with sync_playwright() as playwright:
        browser = launch(playwright)
        for name, path, viewport, action, whole in SHOTS:
            context = browser.new_context(viewport=viewport, device_scale_factor=1)
            page = context.new_page()
            if name == "source":
                page.goto(base_url + "/disputes/")
                _first_dispute(page)
                href = page.locator(".claim-card a[href*='/sources/']").first.get_attribute("href")
                page.goto(base_url + href.split("#")[0])
            else:
                page.goto(base_url + path)
            if action:
                action(page)
            target = out / f"{name}.png"
            if isinstance(whole, str):
                page.locator(whole).screenshot(path=target)
            else:
                page.screenshot(path=target, full_page=whole)
            written.append(target)
            context.close()
        browser.close()
    return written


def take_queue(base_url: str, account: str, out: Path = OUT, query: str = "") -> Path:
    """The admin's Proposals queue (``query``: "source=ID"), signed in as "name:password", and
    its new-entity candidates (proposals-candidates.png) when it lists any."""
    username, _, password = account.partition(":")
    target = out / "proposals.png"
    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_context(viewport=DESKTOP, device_scale_factor=1).new_page()
        page.goto(base_url + "/admin/login/?next=/admin/claims/proposal/" + quote("?" + query))
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_load_state()
        page.screenshot(path=target, full_page=False)
        candidates = page.locator("#candidates")
        if candidates.count():  # the new-entity candidates below the proposals
            candidates.scroll_into_view_if_needed()
            page.evaluate("document.getElementById('candidates').scrollIntoView()")
            page.screenshot(path=out / "proposals-candidates.png", full_page=False)
        browser.close()
    return target


def main() -> None:
    """Parse the base URL and take the screenshots."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:8765")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument(
        "--admin", default="", help="NAME:PASSWORD: only the admin's Proposals queue, signed in."
    )
    parser.add_argument("--queue", default="", help='The queue\'s query, e.g. "source=6".')
    args = parser.parse_args()
    if args.admin:
        print(take_queue(args.base_url.rstrip("/"), args.admin, args.out, args.queue))
        return
    for path in take(args.base_url.rstrip("/"), args.out):
        print(path)


if __name__ == "__main__":
    main()
