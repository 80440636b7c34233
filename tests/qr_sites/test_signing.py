"""Site codes: short, case-insensitive, and impossible to make up or edit without the key."""

import pytest

from app.qr_sites.signing import ALPHABET, make_code, normalise_code, read_code

KEY = "test-secret"


@pytest.mark.parametrize(("site_id", "rotation"), [(1, 0), (42, 3), (123_456, 200), (2**31, 0)])
def test_codes_read_back_in_any_case(site_id, rotation):
    code = make_code(site_id, rotation, KEY)
    assert set(code) <= set(ALPHABET) and len(code) <= 20
    assert read_code(code, KEY) == (site_id, rotation)
    assert read_code(code.lower(), KEY) == (site_id, rotation)


def test_small_sites_get_twelve_character_codes():
    assert len(make_code(1, 0, KEY)) == 12


def test_look_alike_characters_are_read_as_digits():
    assert normalise_code(" o1-il ") == "0111"


def test_every_single_character_edit_is_refused():
    code = make_code(7, 1, KEY)
    edits = {code[:i] + c + code[i + 1 :] for i in range(len(code)) for c in ALPHABET} - {code}
    assert len(edits) == len(code) * (len(ALPHABET) - 1)
    assert [e for e in edits if read_code(e, KEY)] == []


@pytest.mark.parametrize(
    "bad",
    ["", "0", "!!!", "U" * 12, "0" * 12, "0" * 40],
    ids=["empty", "short", "symbols", "not-in-alphabet", "zeros", "too-long"],
)
def test_garbage_is_refused(bad):
    assert read_code(bad, KEY) is None


def test_another_key_and_other_spellings_are_refused():
    code = make_code(7, 1, KEY)
    assert read_code(code, "another-key") is None
    assert read_code(code + "0", KEY) is None
    assert read_code(code[:-1], KEY) is None


def test_the_rotation_is_part_of_the_signature():
    assert make_code(7, 0, KEY) != make_code(7, 1, KEY)
