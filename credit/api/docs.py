"""Swagger UI's files served from the installed swagger-ui-bundle package: the docs work offline."""

from __future__ import annotations

from flask import Blueprint, send_from_directory
from swagger_ui_bundle import swagger_ui_path

blp = Blueprint("docs_assets", __name__)


@blp.get("/<path:filename>")
def asset(filename: str):
    return send_from_directory(str(swagger_ui_path), filename, max_age=86400)
