"""Tests for the directory photo store and photo keys."""

import os
import re

import pytest

from app.photos import storage
from app.photos.storage import DirectoryStorage, PhotoStorage, new_photo_key

SHA = "abcdef" + "0" * 58


@pytest.fixture
def store(tmp_path):
    return DirectoryStorage(tmp_path / "photos")


def leftovers(root):
    return [p for p in root.rglob("*") if p.name.startswith(".")]


def test_directory_storage_satisfies_the_protocol(store):
    assert isinstance(store, PhotoStorage)


def test_round_trip_creates_shard_directories(store):
    key = new_photo_key(SHA, "display")
    assert not store.exists(key)
    store.save(key, b"jpeg bytes", "image/jpeg")
    assert store.exists(key)
    assert store.open(key) == b"jpeg bytes"
    assert (store.root / key).is_file()


def test_overwrite_replaces_whole_file_and_leaves_no_temp_files(store):
    store.save("ab/cd/x.jpg", b"first version, longer", "image/jpeg")
    store.save("ab/cd/x.jpg", b"second", "image/jpeg")
    assert store.open("ab/cd/x.jpg") == b"second"
    assert leftovers(store.root) == []


def test_failed_write_keeps_old_file_and_cleans_up(store, monkeypatch):
    store.save("ab/cd/x.jpg", b"old", "image/jpeg")

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(storage.os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        store.save("ab/cd/x.jpg", b"new", "image/jpeg")
    monkeypatch.undo()
    assert store.open("ab/cd/x.jpg") == b"old"
    assert leftovers(store.root) == []


def test_delete_is_idempotent(store):
    store.save("ab/cd/x.jpg", b"x", "image/jpeg")
    store.delete("ab/cd/x.jpg")
    assert not store.exists("ab/cd/x.jpg")
    store.delete("ab/cd/x.jpg")


def test_open_missing_key_raises_file_not_found(store):
    with pytest.raises(FileNotFoundError):
        store.open("ab/cd/missing.jpg")


@pytest.mark.parametrize(
    "key",
    [
        "../x",
        "ab/../../x",
        "ab/./x",
        "/etc/passwd",
        "ab//x",
        "ab/x/",
        "ab\\x",
        "C:x",
        "ab/.hidden",
        "ab/x\x00.jpg",
        "",
    ],
)
def test_unsafe_keys_are_refused(store, key):
    for call in (
        lambda: store.save(key, b"x", "image/jpeg"),
        lambda: store.open(key),
        lambda: store.delete(key),
        lambda: store.exists(key),
    ):
        with pytest.raises(ValueError):
            call()
    assert not (store.root.parent / "x").exists()


def test_new_photo_key_shape():
    key = new_photo_key(SHA.upper(), "thumb")
    assert re.fullmatch(r"ab/cd/[0-9a-f]{32}-thumb\.jpg", key)
    assert new_photo_key(SHA, "thumb") != new_photo_key(SHA, "thumb")


@pytest.mark.parametrize(
    "sha, suffix",
    [("abc", "thumb"), ("z" * 64, "thumb"), (SHA, "../x"), (SHA, ""), (SHA, "a/b")],
)
def test_new_photo_key_refuses_bad_input(sha, suffix):
    with pytest.raises(ValueError):
        new_photo_key(sha, suffix)


def test_saved_files_are_private(store):
    store.save("ab/cd/x.jpg", b"x", "image/jpeg")
    if os.name == "posix":
        assert (store.root / "ab/cd/x.jpg").stat().st_mode & 0o077 == 0
