"""Response headers that keep pages from being framed, sniffed, cached or fed foreign code."""

from flask import Flask, Response, request

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)


EVERY_RESPONSE = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "same-origin"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
)
HTTPS_ONLY = (("Strict-Transport-Security", "max-age=31536000"),)
# Pages hold personal answers: the browser may not keep them for the next user.
PAGES_ONLY = (("Cache-Control", "no-store"),)


def add_security_headers(response: Response) -> Response:
    """Add the headers to every response, leaving any a view set itself as it set them."""
    wanted = EVERY_RESPONSE
    if request.scheme == "https":
        wanted += HTTPS_ONLY
    if not request.path.startswith("/static/"):
        wanted += PAGES_ONLY
    present = {name.lower() for name in response.headers.keys()}  # noqa: SIM118 (Headers)
    response.headers.extend([(k, v) for k, v in wanted if k.lower() not in present])
    return response


def init_app(app: Flask) -> None:
    """Register the header hook."""
    app.after_request(add_security_headers)
