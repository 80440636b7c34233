"""The shell's files: content types, caching headers, gzip, the manifest and the icons."""

import gzip
import io
import json

import pytest
from PIL import Image

pytestmark = pytest.mark.dialects("sqlite")


def test_the_page_is_the_shell_with_no_inline_script(client):
    page = client.get("/app/")
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert 'rel="manifest" href="/app/manifest.webmanifest"' in html
    # The page policy has no 'unsafe-inline': every script is a file of this origin.
    assert "<script>" not in html and 'src="/app/app.js"' in html
    assert (
        "'unsafe-inline'" not in page.headers["Content-Security-Policy"].split("style-src-attr")[0]
    )
    assert page.headers["Cache-Control"] == "no-cache"
    assert client.get("/app").status_code in (301, 308)


def test_the_service_worker_is_never_cached_and_may_fetch_its_shell(client):
    worker = client.get("/app/sw.js")
    assert worker.status_code == 200
    assert worker.mimetype == "application/javascript"
    assert worker.headers["Cache-Control"] == "no-cache"
    assert worker.headers["Service-Worker-Allowed"] == "/app/"
    assert worker.headers["Content-Security-Policy"].startswith("default-src 'self'")
    body = worker.get_data(as_text=True)
    shell = json.loads(body.split("var SHELL = ")[1].split(";")[0])
    assert {"/app/", "/app/app.js", "/app/app.css", "/app/manifest.webmanifest"} <= set(shell)
    for path in shell:
        assert client.get(path).status_code == 200, path


def test_gzip_when_taken_and_304_when_unchanged(client):
    plain = client.get("/app/app.js")
    zipped = client.get("/app/app.js", headers={"Accept-Encoding": "gzip, br"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in zipped.headers["Vary"]
    assert gzip.decompress(zipped.get_data()) == plain.get_data()
    again = client.get("/app/app.js", headers={"If-None-Match": plain.headers["ETag"]})
    assert again.status_code == 304


def test_the_manifest_names_the_app_in_chinese_with_its_icons(client):
    answer = client.get("/app/manifest.webmanifest")
    assert answer.mimetype == "application/manifest+json"
    manifest = json.loads(answer.get_data())
    assert manifest["name"] == "解纷网格通" and manifest["lang"] == "zh-CN"
    assert manifest["scope"] == "/app/" and manifest["start_url"] == "/app/"
    assert manifest["display"] == "standalone"
    for icon in manifest["icons"]:
        image = client.get(icon["src"])
        assert image.mimetype == "image/png"
        size = Image.open(io.BytesIO(image.get_data())).size
        assert f"{size[0]}x{size[1]}" == icon["sizes"]
    assert any(icon.get("purpose") == "maskable" for icon in manifest["icons"])


def test_unknown_files_are_404(client):
    assert client.get("/app/nothing.js").status_code == 404
    assert client.get("/app/../README.md").status_code == 404
