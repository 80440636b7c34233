"""What the audit keeps of users, units, rules, deadline policies and webhook subscriptions:
one snapshot per kind of object, used by the admin screens and the JSON API alike, so a change
reads the same whichever way it was made (never a password or a signing secret)."""

from typing import Any


def user_fields(user) -> dict[str, Any]:
    return {
        "display_name": user.display_name,
        "roles": user.roles,
        "area_codes": user.area_codes,
        "unit_code": user.unit_code,
        "active": user.active,
    }


def unit_fields(unit) -> dict[str, Any]:
    return {
        "code": unit.code,
        "name": unit.name,
        "kind": unit.kind,
        "area_code": unit.area_code,
        "active": unit.active,
    }


def rule_fields(rule) -> dict[str, Any]:
    return {
        "kind": rule.kind,
        "match": rule.match,
        "pattern": rule.pattern,
        "target": rule.target,
        "weight": rule.weight,
        "active": rule.active,
    }


def policy_fields(policy) -> dict[str, Any]:
    return {
        "category_code": policy.category_code,
        "risk_level": policy.risk_level,
        "accept": f"{policy.accept_within} {policy.accept_unit}",
        "resolve": f"{policy.resolve_within} {policy.resolve_unit}",
    }


def policy_label(policy) -> str:
    return f"{policy.category_code or '全部类别'} · {policy.risk_level}"


def webhook_fields(subscription) -> dict[str, Any]:
    return {
        "url": subscription.url,
        "events": list(subscription.events),
        "description": subscription.description,
    }
