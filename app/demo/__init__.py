"""Demo data: 纳溪区 with its 13 real sub-districts on synthetic polygons, units and users."""
