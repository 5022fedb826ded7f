"""The caller of a request and what each role may do; plain values, no web framework."""

from __future__ import annotations

from dataclasses import dataclass

from credit.errors import Forbidden, Unauthorized

ROLES = ("public", "enterprise", "bank", "procurement", "regulator", "admin")


@dataclass(frozen=True)
class Caller:
    username: str | None
    role: str
    uscc: str | None = None
    region: str | None = None

    @property
    def is_public(self) -> bool:
        return self.role == "public"

    def covers_region(self, region_code: str) -> bool:
        """Whether a regulator's region prefix includes an enterprise's region code."""
        return (
            self.role == "regulator" and bool(self.region) and region_code.startswith(self.region)
        )

    def is_enterprise(self, uscc: str) -> bool:
        return self.role == "enterprise" and self.uscc == uscc


PUBLIC = Caller(username=None, role="public")


def require_role(caller: Caller, *roles: str) -> None:
    if caller.role in roles:
        return
    if caller.is_public:
        raise Unauthorized(
            "Sign in: send `Authorization: Bearer <token>` from POST /api/v1/auth/token."
        )
    if caller.role not in roles:
        allowed = ", ".join(roles)
        raise Forbidden(f"This needs the role {allowed}; you are signed in as {caller.role}.")


def require_region(caller: Caller, region_code: str) -> None:
    """Only a regulator whose region covers the enterprise may write to its file."""
    require_role(caller, "regulator")
    if not caller.covers_region(region_code):
        raise Forbidden(f"Your region {caller.region} does not cover region {region_code}.")
