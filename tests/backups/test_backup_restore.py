"""`flask db backup` then `flask db restore` into an empty database and photo store: the
restored service answers with the same reports, photos and tracking pages (both databases)."""

import re
import tarfile

import pytest

from app import create_app
from app.extensions import db
from tests.conftest import TEST_PASSWORD, base_config
from tests.public.helpers import photo, upload


@pytest.fixture
def photo_dir(app, tmp_path):
    app.config["PHOTO_STORAGE_DIR"] = str(tmp_path / "photos")
    return tmp_path / "photos"


def _what_the_service_serves(client, tracking_no: str, key: str) -> dict:
    token = client.post(
        "/api/v1/auth/token", json={"username": "backup-admin", "password": TEST_PASSWORD}
    ).json["access_token"]
    staff = {"Authorization": f"Bearer {token}"}
    listing = client.get("/api/v1/reports", headers=staff)
    assert listing.status_code == 200
    served = {"reports": listing.json["items"]}
    for item in listing.json["items"]:
        case = client.get(f"/api/v1/reports/{item['id']}", headers=staff).json
        served[f"report {item['id']}"] = case
        for photo_ in case["photos"]:
            for url in (photo_["url"], photo_["thumb_url"]):
                response = client.get(url, headers=staff)
                assert response.status_code == 200
                served[url] = response.get_data()
    public = client.get(f"/api/v1/track/{tracking_no}?key={key}")
    page = client.get(f"/t/{tracking_no}?key={key}")
    assert public.status_code == 200 and page.status_code == 200
    served["tracking"], served["tracking page"] = (
        public.json,
        _same_page(page.get_data(as_text=True)),
    )
    return served


def _same_page(html: str) -> str:
    """The page without what is new in every response (script nonces, CSRF tokens)."""
    html = re.sub(r'\snonce="[^"]*"', "", html)
    return re.sub(r'<input[^>]*name="csrf_token"[^>]*>', "", html)


def test_restore_into_an_empty_database_serves_the_same(
    app, client, dialect, code, make_user, photo_dir, fresh_database, tmp_path
):
    make_user("admin", username="backup-admin")
    filed = client.post(
        "/api/v1/public/reports",
        data={"site_code": code, "description": "楼道里堆满杂物，堵住了消防通道",
              "photos": [upload(photo()), upload(photo(size=(640, 480)))]},
        content_type="multipart/form-data",
    )  # fmt: skip
    assert filed.status_code == 201, filed.json
    number, key = filed.json["tracking_no"], filed.json["tracking_key"]
    before = _what_the_service_serves(client, number, key)
    assert len(before["report 1"]["photos"]) == 2

    archive = tmp_path / "jiefen.tar.gz"
    db.session.remove()  # as from the command line: no transaction of the test's left open
    made = app.test_cli_runner().invoke(args=["db", "backup", str(archive)])
    assert made.exit_code == 0, made.output
    assert f"{dialect} database" in made.output and "4 photos" in made.output  # with thumbnails
    with tarfile.open(archive) as tar:
        names = tar.getnames()
    assert "manifest.json" in names and sum(n.startswith("photos/") for n in names) == 4

    empty_photos = tmp_path / "restored-photos"
    restored = create_app(
        base_config(fresh_database(dialect)) | {"PHOTO_STORAGE_DIR": str(empty_photos)}
    )
    with restored.app_context():
        done = restored.test_cli_runner().invoke(args=["db", "restore", str(archive)])
        assert done.exit_code == 0, done.output
        assert "2 photos" not in done.output and "4 photos" in done.output
        after = _what_the_service_serves(restored.test_client(), number, key)
        assert after == before
        # A second restore over what is there now is refused, naming why.
        db.session.remove()
        again = restored.test_cli_runner().invoke(args=["db", "restore", str(archive)])
        assert again.exit_code != 0 and "not empty" in again.output
        db.session.remove()
        db.engine.dispose()


def test_a_backup_of_the_other_database_is_refused(app, dialect, photo_dir, tmp_path):
    archive = tmp_path / "backup.tar"
    db.session.remove()
    assert app.test_cli_runner().invoke(args=["db", "backup", str(archive)]).exit_code == 0
    other = "postgresql" if dialect == "sqlite" else "sqlite"
    with tarfile.open(archive) as tar:
        manifest = tar.extractfile("manifest.json").read()
    assert f'"dialect": "{dialect}"'.encode() in manifest
    if other == "sqlite":
        target = create_app(base_config(f"sqlite:///{tmp_path / 'other.db'}"))
        with target.app_context():
            refused = target.test_cli_runner().invoke(args=["db", "restore", str(archive)])
            db.engine.dispose()
        assert refused.exit_code != 0 and "postgresql backup" in refused.output


def test_something_else_is_not_a_backup(app, photo_dir, tmp_path):
    bogus = tmp_path / "bogus.tar"
    with tarfile.open(bogus, "w") as tar:
        tar.add(__file__, "notes.py")
    refused = app.test_cli_runner().invoke(args=["db", "restore", str(bogus)])
    assert refused.exit_code != 0 and "not a Jiefen backup" in refused.output
