"""The grid worker's app: how big its shell is, and how soon it is usable on a 3G phone.

No database load: a throw-away SQLite database holds one worker. The shell is served by the
app itself (gzipped by it, as behind nginx), Chromium's network emulation (CDP
`Network.emulateNetworkConditions`) slows the link to DevTools' 3G presets, and "interactive"
is the app's own `jiefen-ready` mark: the script has run, the sign-in form or the report form
answers taps. Three opens per profile: the first ever (nothing cached), a second one (the
service worker serves the shell), and one with no network at all.

    python -m bench.gridapp_bench [--runs 5]
"""

import argparse
import json
import logging
import statistics
import tempfile
import threading
from pathlib import Path

from werkzeug.serving import make_server

# DevTools' presets (throughput in bytes per second, latency in ms), as Chrome defines them.
PROFILES = {
    "3G (DevTools 'Fast 3G')": {"latency": 562.5, "down": 1.6e6 * 0.9 / 8, "up": 750e3 * 0.9 / 8},
    "Slow 3G": {"latency": 2000, "down": 500e3 * 0.8 / 8, "up": 500e3 * 0.8 / 8},
}
OUT = Path(__file__).resolve().parent / "out"


def shell_sizes(app) -> dict:
    from app.gridapp.shell import shell

    with app.test_request_context("/app/"):
        assets = shell()
    rows = {}
    for name, asset in assets.items():
        sent = asset.gzipped if asset.gzipped is not None else asset.body
        rows[f"/app/{name}"] = {"bytes": len(asset.body), "sent": len(sent)}
    critical = ("/app/", "/app/app.js", "/app/app.css")
    return {
        "files": rows,
        "critical_sent": sum(rows[n]["sent"] for n in critical),
        "shell_sent": sum(r["sent"] for r in rows.values()),
        "shell_bytes": sum(r["bytes"] for r in rows.values()),
    }


def _serve(app):
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}"


def _ready_ms(page) -> float:
    page.wait_for_selector("html[data-ready]", timeout=60_000)
    return page.evaluate("performance.getEntriesByName('jiefen-ready')[0].startTime")


def open_times(base: str, profile: dict, runs: int) -> dict:
    from playwright.sync_api import sync_playwright

    from tests.browser import CHROMIUM_ARGS

    first, again, offline = [], [], []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS, headless=True
        )
        for _ in range(runs):
            context = browser.new_context(
                viewport={"width": 390, "height": 844}, is_mobile=True, service_workers="allow"
            )
            page = context.new_page()
            cdp = context.new_cdp_session(page)
            cdp.send("Network.enable")
            cdp.send(
                "Network.emulateNetworkConditions",
                {
                    "offline": False,
                    "latency": profile["latency"],
                    "downloadThroughput": profile["down"],
                    "uploadThroughput": profile["up"],
                },
            )
            page.goto(base + "/app/", wait_until="commit")
            first.append(_ready_ms(page))
            page.wait_for_function("navigator.serviceWorker.controller !== null", timeout=60_000)
            page.goto(base + "/app/", wait_until="commit")
            again.append(_ready_ms(page))
            context.set_offline(True)
            page.goto(base + "/app/", wait_until="commit")
            offline.append(_ready_ms(page))
            context.close()
        browser.close()
    return {
        "first_open_ms": statistics.median(first),
        "first_open_runs": first,
        "second_open_ms": statistics.median(again),
        "offline_open_ms": statistics.median(offline),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    from app import create_app
    from app.extensions import db

    with tempfile.TemporaryDirectory() as folder:
        app = create_app({"DATABASE_URL": f"sqlite:///{folder}/bench.db", "LOG_LEVEL": "WARNING"})
        with app.app_context():
            db.create_all()
            db.session.commit()
        sizes = shell_sizes(app)
        print("shell, as sent (gzip where it helps):")
        for name, row in sizes["files"].items():
            print(f"  {name:32} {row['bytes']:>8,} B  → {row['sent']:>7,} B")
        print(
            f"  page + script + style: {sizes['critical_sent'] / 1024:.1f} KB; "
            f"whole shell with icons: {sizes['shell_sent'] / 1024:.1f} KB "
            f"({sizes['shell_bytes'] / 1024:.1f} KB uncompressed)"
        )
        server, base = _serve(app)
        results = {"sizes": sizes, "opens": {}}
        try:
            for name, profile in PROFILES.items():
                times = open_times(base, profile, args.runs)
                results["opens"][name] = times
                print(
                    f"{name}: interactive after {times['first_open_ms']:.0f} ms on first open, "
                    f"{times['second_open_ms']:.0f} ms from the service worker, "
                    f"{times['offline_open_ms']:.0f} ms offline "
                    f"(median of {args.runs}; first opens "
                    f"{[round(t) for t in times['first_open_runs']]})"
                )
        finally:
            server.shutdown()
    OUT.mkdir(exist_ok=True)
    (OUT / "gridapp.json").write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
