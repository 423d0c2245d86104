"""Security headers on every response.

A small `after_request` rather than Flask-Talisman: the policy is a handful of fixed headers, and
Talisman's HTTPS redirect and its per-view options fight a deployment whose TLS ends at the load
balancer. Scripts come only from our own static files (no inline script or handler anywhere in the
templates: trainer/static/js/app.js binds `data-confirm`, `data-autosubmit` and `data-back`); inline
`style` attributes stay allowed because ECharts and a few templates set element styles.
"""

from __future__ import annotations

from flask import Flask, Response, request

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])

FIXED = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}

HSTS = "max-age=31536000; includeSubDomains"


def install(app: Flask) -> None:
    secure = bool(app.config.get("SESSION_COOKIE_SECURE"))
    if secure:
        app.config["REMEMBER_COOKIE_SECURE"] = True

    @app.after_request
    def _security_headers(response: Response) -> Response:
        for name, value in FIXED.items():
            response.headers.setdefault(name, value)
        if secure:
            response.headers.setdefault("Strict-Transport-Security", HSTS)
        if request.endpoint != "static":
            # People's results must not linger in shared caches or reappear with the back button after sign-out.
            response.headers.setdefault("Cache-Control", "no-store")
        return response
