"""The API's blueprints: flask-smorest's, with each argument schema made once."""

from __future__ import annotations

import flask_smorest


class Blueprint(flask_smorest.Blueprint):
    """Given a schema class, webargs would make a schema of it for every request; a schema made
    once here loads every request's arguments alike (marshmallow schemas keep no request's
    state)."""

    def arguments(self, schema, *args, **kwargs):
        if isinstance(schema, type):
            schema = schema()
        return super().arguments(schema, *args, **kwargs)
