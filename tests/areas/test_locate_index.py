"""locate answers from an in-process index: the same areas as the database's ST_Contains, and
never an index older than the areas and units this transaction sees."""

import numpy as np
from sqlalchemy import select

from app.areas.importer import import_feature_collection
from app.areas.locate import locate
from app.areas.models import Area
from app.core.spatial import contains_point
from app.extensions import db
from app.units.models import Unit
from app.units.service import create_unit
from tests.helpers.geometry import INSIDE_G1, INSIDE_S2, box, feature

# A triangle and a ring with a hole: the index must not answer by bounding boxes.
ODD_SHAPES = {
    "type": "FeatureCollection",
    "features": [
        feature(
            "T",
            "三角网格",
            "grid",
            "S2",
            {
                "type": "Polygon",
                "coordinates": [
                    [[105.40, 28.70], [105.45, 28.70], [105.40, 28.75], [105.40, 28.70]]
                ],
            },
        ),
        feature(
            "R",
            "回字网格",
            "grid",
            "S2",
            {
                "type": "Polygon",
                "coordinates": [
                    box(105.45, 28.75, 105.50, 28.80)["coordinates"][0],
                    box(105.46, 28.76, 105.49, 28.79)["coordinates"][0][::-1],
                ],
            },
        ),
    ],
}


def database_codes(lon: float, lat: float) -> list[str]:
    """The reference: the database's own ST_Contains (through its spatial index)."""
    rows = db.session.scalars(
        select(Area).where(contains_point(Area.geom, Area.id, lon, lat))
    ).all()
    return sorted(area.code for area in rows)


def test_answers_match_the_database_inside_on_borders_and_corners(app, areas):
    import_feature_collection(ODD_SHAPES)
    db.session.commit()
    rng = np.random.default_rng(3)
    inside = rng.uniform([105.29, 28.69], [105.51, 28.81], (150, 2))
    # Points exactly on edges and corners of the boxes (in no polygon whose border they are on).
    borders = [(105.40, 28.72), (105.35, 28.74), (105.30, 28.70), (105.45, 28.75), (105.46, 28.77)]
    # On the triangle's slanted edge: a diagonal, where rounding could tip it either way.
    borders.append((105.425, 28.725))
    for lon, lat in [*map(tuple, inside), *borders]:
        lon, lat = float(lon), float(lat)
        located = locate(lon, lat)
        if located.snapped:
            continue  # outside everything: snapping is the database's, not the index's
        assert sorted(a.code for a in located.chain) == database_codes(lon, lat), (lon, lat)


def test_chain_is_ordered_and_carries_what_callers_read(app, areas):
    located = locate(*INSIDE_G1)
    assert [a.code for a in located.chain] == ["D", "S1", "C1", "G1"]
    assert [a.parent_code for a in located.chain] == [None, "D", "S1", "C1"]
    assert located.deepest.path.endswith("/G1/") and located.routing_area.code == "S1"
    assert (located.unit.code, located.unit.area_code, located.unit.active) == (
        "unit-S1",
        "S1",
        True,
    )


def test_new_areas_are_seen_at_once(app, areas):
    assert [a.code for a in locate(*INSIDE_S2).chain] == ["D", "S2"]
    import_feature_collection(
        {
            "type": "FeatureCollection",
            "features": [
                feature("C2", "二号社区", "community", "S2", box(105.40, 28.75, 105.50, 28.80))
            ],
        }
    )
    # Not even committed: this transaction sees its own areas, as the spatial query did.
    assert [a.code for a in locate(*INSIDE_S2).chain] == ["D", "S2", "C2"]


def test_a_rolled_back_import_leaves_no_trace(app, areas):
    db.session.commit()
    import_feature_collection(ODD_SHAPES)
    assert locate(105.401, 28.701).deepest.code == "T"
    db.session.rollback()
    assert locate(105.401, 28.701).deepest.code == "S2"


def test_unit_changes_are_seen_at_once(app, areas):
    assert locate(*INSIDE_S2).unit.code == "unit-S2"
    db.session.scalars(select(Unit).where(Unit.code == "unit-S2")).one().active = False
    db.session.flush()
    assert locate(*INSIDE_S2).unit is None
    create_unit("dept-S2", "二号街道司法所", "department", "S2")
    assert locate(*INSIDE_S2).unit.code == "dept-S2"


def test_a_served_process_keeps_the_index_out_of_full_collections(app, areas, monkeypatch):
    """Served (wsgi.py sets SETTLE_HEAP), a new index is frozen out of the collector's passes:
    a full collection would otherwise walk every area and polygon of it (app/core/heap.py)."""
    import gc

    from app.areas.locate_index import EXTENSION, area_index

    app.extensions.pop(EXTENSION, None)
    index = area_index()  # not served: the index stays where the collector sees it
    assert id(index.areas[0]) in {id(o) for o in gc.get_objects()}
    monkeypatch.setitem(app.config, "SETTLE_HEAP", True)
    app.extensions.pop(EXTENSION, None)
    try:
        index = area_index()
        walked = {id(o) for o in gc.get_objects()}
        assert gc.get_freeze_count() > 0
        assert not any(id(area) in walked for area in index.areas)
        # Still the same answers.
        assert locate(*INSIDE_S2).routing_area.code == "S2"
    finally:
        gc.unfreeze()
