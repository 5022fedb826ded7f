"""Headers on every response that tell browsers and caches how to treat it safely."""

from __future__ import annotations

from flask import Flask, request

from credit.config import Settings

# An API answer is data, never a page: it loads nothing and may not be framed. A view that
# serves a page (the docs) sets a policy of its own, which is kept.
API_POLICY = "default-src 'none'; frame-ancestors 'none'"
# Answers no cache may keep, whoever asks: tokens, credit files, grades with their explanation
# and history, who looked at a file, checks, reports and inspection plans. Every answer to a
# request with a token is private too.
PRIVATE_ENDPOINTS = frozenset(
    {
        "auth.Token",
        "enterprises.EnterpriseFile",
        "grades.EnterpriseGrade",
        "grades.EnterpriseGradeHistory",
        "checks.EnterpriseQueries",
        "checks.LendingCheck",
        "checks.ProcurementCheck",
        "reports.EnterpriseReport",
        "grades.InspectionPlan",
        "quality_reports.QualityStatusReport",
    }
)


def install(app: Flask, settings: Settings) -> None:
    # Browsers ignore Strict-Transport-Security over plain HTTP; it is sent only on HTTPS
    # requests (under gunicorn, also those a trusted proxy marks with X-Forwarded-Proto).
    hsts = f"max-age={settings.hsts_seconds}" if settings.hsts_seconds > 0 else None

    @app.after_request
    def add_security_headers(response):
        headers = response.headers
        headers["X-Content-Type-Options"] = "nosniff"
        headers["Referrer-Policy"] = "no-referrer"
        headers.setdefault("Content-Security-Policy", API_POLICY)
        if "Authorization" in request.headers or request.endpoint in PRIVATE_ENDPOINTS:
            headers["Cache-Control"] = "no-store"
        if hsts and request.is_secure:
            headers["Strict-Transport-Security"] = hsts
        return response
