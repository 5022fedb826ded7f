"""Signing in: username and password for a short-lived bearer token."""

from __future__ import annotations

from flask import current_app, request
from flask.views import MethodView

from credit.api.blueprints import Blueprint
from credit.api.context import close_session, read_lookup
from credit.auth.tokens import issue_token
from credit.errors import Unauthorized
from credit.services.users import authenticate
from schemas.auth import TokenRequest, TokenResponse

blp = Blueprint("auth", __name__, description="Signing in")


@blp.route("/auth/token")
class Token(MethodView):
    @blp.arguments(TokenRequest)
    @blp.response(200, TokenResponse)
    @blp.alt_response(401, description="Wrong credentials or a disabled account")
    @blp.alt_response(
        429,
        description="Too many failed sign-ins for the account or from the address; see Retry-After",
    )
    def post(self, credentials):
        """Exchange a username and password for a bearer token."""
        # Signing in writes nothing: no session stays open (one a token check began is closed)
        # while the password is checked, so other requests' writes never wait for it.
        close_session()
        username, address = credentials["username"], request.remote_addr or ""
        limits = current_app.extensions["credit.signin_limits"]
        limits.check(username, address)
        try:
            caller = read_lookup(
                lambda lookup: authenticate(lookup, username, credentials["password"])
            )
        except Unauthorized:
            limits.failed(username, address)
            raise
        lifetime = current_app.extensions["credit.settings"].token_lifetime
        token = issue_token(caller, current_app.extensions["credit.token_keys"], lifetime)
        return {"access_token": token, "token_type": "Bearer", "expires_in": lifetime}
