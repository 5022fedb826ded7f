"""The interactive docs: Swagger UI from the installed swagger-ui-bundle (offline) and its page."""

from __future__ import annotations

import base64
import hashlib

from flask import Blueprint, Response, send_from_directory
from swagger_ui_bundle import swagger_ui_path

from credit.api.paths import API_PREFIX

blp = Blueprint("docs", __name__)

ASSETS = f"{API_PREFIX}/docs/assets"
START = """
window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: "API_PREFIX/openapi.json",
    dom_id: "#swagger-ui-container",
    validatorUrl: null
  });
});
""".replace("API_PREFIX", API_PREFIX)
# The page's one inline script is allowed by its hash; nothing else inline runs. Swagger UI
# draws its icons from data: images and fetches the document (and "try it out") same-origin.
START_HASH = base64.b64encode(hashlib.sha256(START.encode("utf-8")).digest()).decode("ascii")
PAGE_POLICY = (
    "default-src 'none'; "
    f"script-src 'self' 'sha256-{START_HASH}'; "
    "style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
PAGE = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Quality Credit Registry</title>
<link href="{ASSETS}/swagger-ui.css" rel="stylesheet" type="text/css">
</head>
<body>
<div id="swagger-ui-container"></div>
<script src="{ASSETS}/swagger-ui-bundle.js"></script>
<script>{START}</script>
</body>
</html>
"""


@blp.get("")
def page():
    return Response(PAGE, mimetype="text/html", headers={"Content-Security-Policy": PAGE_POLICY})


@blp.get("/assets/<path:filename>")
def asset(filename: str):
    return send_from_directory(str(swagger_ui_path), filename, max_age=86400)
