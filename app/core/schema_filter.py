"""Which database objects belong to our models, for Alembic's comparisons on both dialects."""

from geoalchemy2 import alembic_helpers

# SpatiaLite's own bookkeeping tables: created by InitSpatialMetaData, not by our migrations.
SPATIALITE_TABLES = frozenset(
    {
        "spatial_ref_sys", "spatial_ref_sys_aux", "spatialite_history", "sql_statements_log",
        "geometry_columns", "geometry_columns_auth", "geometry_columns_field_infos",
        "geometry_columns_statistics", "geometry_columns_time", "views_geometry_columns",
        "views_geometry_columns_auth", "views_geometry_columns_field_infos",
        "views_geometry_columns_statistics", "virts_geometry_columns",
        "virts_geometry_columns_auth", "virts_geometry_columns_field_infos",
        "virts_geometry_columns_statistics", "data_licenses", "SpatialIndex",
        "ElementaryGeometries", "KNN", "KNN2", "sqlite_sequence",
    }
)  # fmt: skip


def include_object(obj, name, obj_type, reflected, compare_to, dialect: str = "") -> bool:
    if obj_type == "table" and (name in SPATIALITE_TABLES or name.startswith("idx_")):
        return False
    # An index the models keep for one database only (Index.info["dialects"]).
    only_on = getattr(obj, "info", {}).get("dialects") if obj_type == "index" else None
    if only_on and dialect and dialect not in only_on:
        return False
    return alembic_helpers.include_object(obj, name, obj_type, reflected, compare_to)
