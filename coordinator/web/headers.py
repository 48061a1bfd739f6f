"""The security headers of every answer: a Content-Security-Policy that runs only the app's own
scripts (no inline script, no other origin), no framing, no MIME sniffing, no referrer sent
off the site. Map tiles may come from the configured tile server; everything else from here."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Response, current_app


def _origin(url: str) -> str | None:
    """The origin of a tile URL template (`https://{s}.tile.example/{z}/{x}/{y}.png`); a host
    with a placeholder (`t{s}.tianditu.gov.cn`) allows every subdomain of the rest."""
    scheme, _, rest = url.partition("://")
    host = rest.split("/", 1)[0]
    if scheme not in ("http", "https") or not host:
        return None
    if "{" in host:
        host = "*." + host.split(".", 1)[1] if "." in host else ""
    if not host or not urlsplit(f"{scheme}://{host.replace('*', 'x')}").hostname:
        return None
    return f"{scheme}://{host}"


def policy(config) -> str:
    images = ["'self'", "data:", "blob:"]
    tiles = _origin(config.get("TILE_URL") or "")
    if tiles:
        images.append(tiles)
    return "; ".join([
        "default-src 'self'",
        "script-src 'self'",
        # Leaflet and the pages set element styles; no stylesheet comes from elsewhere.
        "style-src 'self' 'unsafe-inline'",
        f"img-src {' '.join(images)}",
        "connect-src 'self'",
        "worker-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ])


def add_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", current_app.extensions["csp"])
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    return response


def init_app(app: Flask) -> None:
    app.extensions["csp"] = policy(app.config)
    app.after_request(add_headers)
