"""Configuration: defaults, then a settings file or environment variables, then a test mapping."""

import os
from typing import Any

DEFAULT_SECRET_KEY = "dev-only-not-secret"


class Config:
    """Development defaults on the embedded database; every key can come from the environment."""

    JIEFEN_ENV = "development"
    SECRET_KEY = DEFAULT_SECRET_KEY
    # Unset means SQLite + SpatiaLite in the instance folder (see database.py).
    DATABASE_URL = ""
    # A PostgreSQL streaming replica the statistics and ledger exports read from (empty: the
    # primary). See app/core/replica.py and docs/SCALING.md.
    STATS_DATABASE_URL = ""
    SPATIALITE_LIBRARY_PATH = "mod_spatialite"
    # A pooled PostgreSQL connection idle this long is tested before use (busy ones are not).
    DB_PING_AFTER_IDLE_SECONDS = 10.0
    SQL_ECHO = False

    PUBLIC_BASE_URL = "http://127.0.0.1:5000"
    CENTRE_NAME = "纳溪区社会治理中心"
    DISPLAY_TIMEZONE = "Asia/Shanghai"

    AREA_SNAP_METERS = 200.0

    # Empty means instance/photos. Stored photos have EXIF removed.
    PHOTO_STORAGE_DIR = ""
    # Decoded pixels all the photos of one public report may cost together (each photo is
    # also held to 40 MP on its own).
    PHOTO_PIXELS_PER_REQUEST = 60_000_000
    # Empty means the first CJK font found among the Debian defaults (qr.fonts).
    CJK_FONT_PATH = ""

    # QR channel (issue 3). A phone this far from the scanned site is flagged for the cleaner.
    QR_FAR_FROM_SITE_METERS = 1000.0
    # Public endpoints, limited per client address and per site code ("N per minute;M per day").
    # Many phones share one carrier address (CGNAT), so per-address limits stay generous.
    RATELIMIT_ENABLED = True
    # memory:// is per process; with several app servers use redis://host:6379/0.
    RATELIMIT_STORAGE_URI = "memory://"
    # Production refuses memory:// (each worker would count alone, multiplying every limit,
    # sign-in throttling included) unless this says the service runs as one process.
    RATELIMIT_SINGLE_PROCESS = False
    # How long a retried write (same Idempotency-Key) is recognised; `flask idempotency purge`.
    IDEMPOTENCY_WINDOW_HOURS = 48
    RATE_LIMIT_REPORTS_PER_ADDRESS = "10 per minute;200 per day"
    RATE_LIMIT_REPORTS_PER_CODE = "30 per hour"
    RATE_LIMIT_PAGES_PER_ADDRESS = "60 per minute"
    RATE_LIMIT_TRACKING_WRITES_PER_ADDRESS = "10 per minute"
    # Reverse proxies in front of the app whose X-Forwarded-For can be trusted (0: none).
    TRUSTED_PROXY_COUNT = 0
    # Open311 GeoReport v2 (app.open311). Positions published there are rounded to this many
    # decimal degrees (3 ≈ 100 m): a report shows its estate, not the reporter's door.
    PUBLIC_POSITION_DECIMALS = 3
    # Who client developers contact (discovery); empty means CENTRE_NAME.
    OPEN311_CONTACT = ""
    # Where client developers ask for an api_key (GeoReport discovery's key_service).
    OPEN311_KEY_SERVICE = "请联系中心管理员申请 api_key（flask open311 issue-key）"
    OPEN311_SERVICE_NOTICE = "中心将在1个工作日内核实并交属地单位办理，进展可通过本接口查询。"
    # A new key's limit when the admin names none (Flask-Limiter's notation), and reads per
    # address (GET needs no key).
    OPEN311_DEFAULT_KEY_RATE_LIMIT = "60 per minute;2000 per day"
    RATE_LIMIT_OPEN311_READS_PER_ADDRESS = "120 per minute"
    # How many times a dissatisfied call-back reopens a case before a supervisor takes over.
    REOPEN_LIMIT = 2
    # 首办责任: a unit may return a case as "not ours" only this long after it arrived.
    RETURN_WINDOW_WORKING_DAYS = 1
    # A red card this many hours old sends the case up one tier (the sweep does it).
    ESCALATE_RED_AFTER_HOURS = 24.0
    # 三级调解: a tier that used its mediation attempts (or days) without agreement is offered
    # for escalation; the sweep sends the case up once this many hours have passed.
    MEDIATION_GRACE_HOURS = 24.0
    # The yellow card comes when this share of the time to a deadline is used.
    YELLOW_CARD_AT = 0.8
    # Archived cases older than this lose the reporter's name and phone (`flask reports anonymise`).
    ANONYMISE_AFTER_DAYS = 365

    # Pre-sort (duplicates, category, risk, junk) each report as it is filed. Off: intake only
    # stores and answers, and `flask triage presort --every 1` sorts moments later (production
    # under load: half of intake's work leaves the request; see app/triage/presort.py).
    PRESORT_AT_INTAKE = True
    # The cleaner's queue: how long a claim lasts, and where duplicates are looked for.
    QUEUE_LEASE_SECONDS = 600
    DUPLICATE_RADIUS_M = 300.0
    DUPLICATE_WINDOW_DAYS = 7.0
    # Only the newest this many reports nearby are scored: a flood at one place stays cheap.
    DUPLICATE_MAX_CANDIDATES = 200
    # How pre-sorting reads a report's text (app/triage/finder.py): "lexicon" (words and a
    # synonym lexicon, naive Bayes categories; ~0.4 ms of CPU per report) or "embedding"
    # (sentence vectors, opt-in: pip install -r requirements-semantic.txt, x86-64 with AVX2;
    # better duplicates and categories, ~25 ms of CPU per report).
    TRIAGE_MEANING = "lexicon"
    # Candidates scoring below this (0…1) are not shown as possible duplicates (chosen on the
    # training split of tests/data/triage_eval.jsonl: bench/triage_quality.py).
    DUPLICATE_MIN_SCORE = 0.18
    # The same for the embedding finder, whose score is a probability (0…1) on its own scale.
    DUPLICATE_MIN_SCORE_EMBEDDING = 0.4
    # The scan page asks a resident "is this the same matter?" above this score (0…1).
    DUPLICATE_HINT_MIN_SCORE = 0.6

    ACCESS_TOKEN_TTL_SECONDS = 15 * 60
    REFRESH_TOKEN_TTL_SECONDS = 30 * 24 * 3600
    # A spent refresh token sent again within this many seconds is a duplicate request (refused
    # quietly); later it is a stolen copy, and the whole login is revoked.
    REFRESH_REUSE_GRACE_SECONDS = 30
    # Failed sign-ins allowed per account and per client address (any sign-in path) before
    # 429 with Retry-After; kept in RATELIMIT_STORAGE_URI.
    LOGIN_LIMIT_PER_ACCOUNT = "10 per 15 minutes"
    LOGIN_LIMIT_PER_ADDRESS = "50 per 15 minutes"
    # argon2 cost: the defaults are argon2-cffi's RFC 9106 "low memory" profile.
    PASSWORD_HASH_TIME_COST = 3
    PASSWORD_HASH_MEMORY_KIB = 65536

    # Outgoing webhooks (flask outbox deliver).
    WEBHOOK_TIMEOUT_SECONDS = 10.0
    # Attempts per delivery before it is given up; waits double from the base up to the cap.
    WEBHOOK_MAX_ATTEMPTS = 10
    WEBHOOK_RETRY_BASE_SECONDS = 30.0
    WEBHOOK_RETRY_MAX_SECONDS = 6 * 3600.0
    # Consecutive failed attempts after which a subscription is marked failing and paused.
    WEBHOOK_FAILING_AFTER = 5
    WEBHOOK_POLL_SECONDS = 5.0
    # Comma-separated networks webhooks may reach although internal (e.g. "10.1.2.0/24"):
    # by default loopback, private, link-local, reserved and metadata addresses are refused.
    WEBHOOK_ALLOWED_NETWORKS = ""

    # The supervisor page's sign-in (a cookie session tied to a token family).
    DASHBOARD_SESSION_HOURS = 12
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False  # forced on with JIEFEN_ENV=production
    # CSRF tokens (Flask-WTF) live as long as the browser session that holds them.
    WTF_CSRF_TIME_LIMIT = None
    # No Referer check on HTTPS: pages send Referrer-Policy: no-referrer (the token is the check).
    WTF_CSRF_SSL_STRICT = False

    # Request bodies: none larger than this is read (413); sign-ins, tracking answers and other
    # small forms are held to SMALL_BODY_MAX_BYTES. Public report forms have their own limit
    # (three photos, app/public/pages.py).
    MAX_CONTENT_LENGTH = 32 * 1024 * 1024
    SMALL_BODY_MAX_BYTES = 64 * 1024

    # /metrics answers only with "Authorization: Bearer <this>"; empty turns it off (app/metrics).
    METRICS_TOKEN = ""

    LOG_LEVEL = "INFO"
    LOG_JSON = True

    # ASCII: client generators make package names from the title (pip refuses Chinese ones).
    API_TITLE = "Jiefen API"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api/v1"
    OPENAPI_JSON_PATH = "openapi.json"
    OPENAPI_SWAGGER_UI_PATH = "docs"
    # Swagger UI comes from the swagger-ui-bundle wheel: the docs work on a closed network.
    OPENAPI_SWAGGER_UI_URL = "/api/v1/docs-assets/"
    API_SPEC_OPTIONS = {
        "info": {
            "description": "Jiefen (解纷), 扫码解纷 — reports from residents and grid workers to "
            "closed cases."
        },
        "components": {"securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}}},
    }

    JSON_SORT_KEYS = False


_TRUE = {"1", "true", "yes", "on"}


def _coerce(default: Any, raw: str) -> Any:
    if isinstance(default, bool):
        return raw.strip().lower() in _TRUE
    if isinstance(default, int):
        return int(raw)
    if isinstance(default, float):
        return float(raw)
    return raw


def from_environment(environ: os._Environ | dict[str, str] | None = None) -> dict[str, Any]:
    """Read every known key from the environment, typed like its default."""
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for key in dir(Config):
        if key.isupper() and key in environ and not isinstance(getattr(Config, key), dict):
            values[key] = _coerce(getattr(Config, key), environ[key])
    return values


def check_production_safety(config: dict[str, Any]) -> None:
    """Refuse to run production on the secret key that ships in the source, or with rate
    limits each worker counts alone; production cookies are Secure."""
    if config.get("JIEFEN_ENV") != "production":
        return
    if not config.get("SECRET_KEY") or config["SECRET_KEY"] == DEFAULT_SECRET_KEY:
        raise RuntimeError(
            "SECRET_KEY is the built-in development key; set SECRET_KEY before running production"
        )
    storage = str(config.get("RATELIMIT_STORAGE_URI") or "memory://")
    if storage.startswith("memory://") and not config.get("RATELIMIT_SINGLE_PROCESS"):
        raise RuntimeError(
            "RATELIMIT_STORAGE_URI is memory://, counted per process: with several workers "
            "every limit multiplies. Set RATELIMIT_STORAGE_URI=redis://host:6379/0, or "
            "RATELIMIT_SINGLE_PROCESS=true if the service really runs as one process"
        )
    config["SESSION_COOKIE_SECURE"] = True
