"""The catalog: every enumeration with its Chinese label and legal basis."""

from __future__ import annotations

from dataclasses import asdict

from flask.views import MethodView

from credit.api.blueprints import Blueprint
from credit.catalog import CATALOG
from schemas.catalog import CatalogOut

blp = Blueprint("catalog", __name__, description="Enumerations")


@blp.route("/catalog")
class Catalog(MethodView):
    @blp.response(200, CatalogOut)
    def get(self):
        """Every enumeration (grades, risk classes, award kinds, violation categories, …)."""
        return {
            name: [asdict(entry) for entry in entries.values()] for name, entries in CATALOG.items()
        }
