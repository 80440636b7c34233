"""What the audit keeps of each kind of change to areas and QR sites (console and API alike).

Each function is called by a write path right after the change and before its commit.
"""

from app.audit.record import record_change


def area_import(result, coord_sys: str) -> None:
    """An areas import that wrote something (an import that changed nothing is not a change)."""
    if not result.changed:
        return
    codes = list(result.changed)
    record_change(
        "area.import",
        "area",
        codes[0] if len(codes) == 1 else "",
        f"{len(codes)} 个区域",
        after={"codes": codes, "coord_sys": coord_sys},
        summary=f"新建 {result.created} 个，更新 {result.updated} 个，未变 {result.unchanged} 个",
    )


def _site_fields(site) -> dict:
    from app.qr_sites.service import site_lon_lat

    lon, lat = site_lon_lat(site)
    return {
        "name": site.name,
        "kind": site.kind,
        "location": f"{lon:.6f},{lat:.6f}",
        "area_code": site.area_code,
        "subdistrict_code": site.subdistrict_code,
        "active": site.active,
        "rotation": site.rotation,
    }


def qr_site_created(site) -> None:
    record_change("qr_site.create", "qr_site", site.id, site.name, after=_site_fields(site))


def qr_sites_imported(result) -> None:
    if not result.created:
        return
    ids = [s.id for s in result.created]
    record_change(
        "qr_site.import",
        "qr_site",
        ids[0] if len(ids) == 1 else "",
        f"{len(ids)} 个码点",
        after={"created": ids},
        summary=f"新建 {len(result.created)} 个，已有 {len(result.existing)} 个",
    )


def qr_site_rotated(site, old_rotation: int) -> None:
    record_change(
        "qr_site.rotate",
        "qr_site",
        site.id,
        site.name,
        before={"rotation": old_rotation},
        after={"rotation": site.rotation},
        summary="旧二维码（已印的海报）停止使用",
    )


def qr_site_disabled(site, was_active: bool) -> None:
    if not was_active:
        return
    record_change(
        "qr_site.disable", "qr_site", site.id, site.name,
        before={"active": True}, after={"active": False},
    )  # fmt: skip
