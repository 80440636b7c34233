"""deploy/postgresql/jiefen.conf names settings this PostgreSQL has, with values it accepts."""

import re
from pathlib import Path

import psycopg

CONF = Path(__file__).resolve().parents[2] / "deploy" / "postgresql" / "jiefen.conf"
# Each unit in the smallest of its kind PostgreSQL's settings use (ms, kB).
UNITS = {"ms": 1, "s": 1000, "min": 60_000, "h": 3_600_000, "d": 86_400_000}
UNITS |= {"kB": 1, "8kB": 8, "MB": 1024, "GB": 1024**2, "TB": 1024**3}


def settings(text: str) -> dict[str, str]:
    found = {}
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, value = (part.strip() for part in line.split("=", 1))
            found[name] = value.strip("'")
    return found


def in_setting_units(value: str, unit: str | None) -> float:
    number, suffix = re.fullmatch(r"([\d.]+)\s*([a-zA-Z]*)", value).groups()
    if not suffix or not unit:
        return float(number)
    return float(number) * UNITS[suffix] / UNITS[unit]


def test_every_setting_is_known_and_in_range(postgres_database):
    wanted = settings(CONF.read_text())
    assert {"wal_compression", "checkpoint_timeout", "max_wal_size"} <= set(wanted)
    with psycopg.connect(postgres_database) as conn:
        for name, value in wanted.items():
            row = conn.execute(
                "SELECT vartype, unit, min_val, max_val, enumvals FROM pg_settings WHERE name = %s",
                (name,),
            ).fetchone()
            assert row is not None, f"{name}: not a setting of this server"
            kind, unit, low, high, choices = row
            if kind == "enum":
                assert value in choices, f"{name} = {value}: not one of {choices}"
            elif kind in ("integer", "real"):
                number = in_setting_units(value, unit)
                assert float(low) <= number <= float(high), f"{name} = {value}: out of range"


def test_a_wrong_value_is_caught():
    """The check above can fail: a unit mix-up or a typo'd choice is seen."""
    assert in_setting_units("15min", "s") == 900
    assert in_setting_units("4GB", "MB") == 4096
    assert settings("wal_compression = lz4  # why\n# a comment\n") == {"wal_compression": "lz4"}
