"""/app/: the shell files, each with its content type, an ETag and gzip when the phone takes it."""

from flask import Blueprint, Response, abort, request

from app.gridapp.shell import shell

blp = Blueprint("gridapp", __name__, url_prefix="/app", template_folder="templates")

# The worker's own policy: a service worker obeys the policy its script came with, and it
# fetches the shell from this origin (the default for other answers, 'none', would stop it).
WORKER_POLICY = "default-src 'self'; frame-ancestors 'none'"


def _serve(name: str) -> Response:
    asset = shell().get(name)
    if asset is None:
        abort(404)
    zipped = asset.gzipped is not None and "gzip" in request.accept_encodings
    response = Response(asset.gzipped if zipped else asset.body, mimetype=asset.mimetype)
    if zipped:
        response.headers["Content-Encoding"] = "gzip"
    if asset.gzipped is not None:
        response.vary.add("Accept-Encoding")
    # Always asked again (a 304 while unchanged): the service worker, not the HTTP cache,
    # is what keeps the shell for offline use, and it must never be handed a stale file.
    response.headers["Cache-Control"] = "no-cache"
    response.set_etag(asset.etag + ("-gz" if zipped else ""))
    return response.make_conditional(request)


@blp.get("/")
def index():
    return _serve("")


@blp.get("/sw.js")
def service_worker():
    response = _serve("sw.js")
    response.headers["Service-Worker-Allowed"] = "/app/"
    response.headers["Content-Security-Policy"] = WORKER_POLICY
    return response


@blp.get("/<path:name>")
def asset(name: str):
    if name in ("", "sw.js"):
        abort(404)
    return _serve(name)
