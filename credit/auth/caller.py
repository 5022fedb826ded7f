"""The caller of a request and what each role may do; plain values, no web framework."""

from __future__ import annotations

from dataclasses import dataclass

from credit.errors import Forbidden, Unauthorized

ROLES = ("public", "enterprise", "bank", "procurement", "regulator", "agency", "admin")
# What an agency account may be allowed to write: firms on the register, and each record kind.
WRITABLE_KINDS = ("enterprise", "award", "certification", "inspection", "violation")


@dataclass(frozen=True)
class Caller:
    username: str | None
    role: str
    uscc: str | None = None
    region: str | None = None
    # An agency account: the department it is, and the kinds of data it supplies.
    agency: str | None = None
    kinds: tuple[str, ...] = ()

    @property
    def is_public(self) -> bool:
        return self.role == "public"

    def covers_region(self, region_code: str) -> bool:
        """Whether a regulator's region prefix includes an enterprise's region code."""
        return (
            self.role == "regulator" and bool(self.region) and region_code.startswith(self.region)
        )

    def may_write(self, kind: str, region_code: str) -> bool:
        """Whether the caller may write data of this kind for a firm of this region: a
        regulator of the region, or an agency of the region that supplies this kind."""
        if self.role == "agency":
            return kind in self.kinds and bool(self.region) and region_code.startswith(self.region)
        return self.covers_region(region_code)

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


def require_writer(caller: Caller, kind: str, region_code: str) -> None:
    """A regulator of the firm's region, or an agency of the region that supplies this kind."""
    require_role(caller, "regulator", "agency")
    if caller.may_write(kind, region_code):
        return
    if caller.role == "agency" and kind not in caller.kinds:
        supplied = ", ".join(caller.kinds) or "nothing"
        raise Forbidden(f"Your agency supplies {supplied}, not {kind} data.")
    raise Forbidden(f"Your region {caller.region} does not cover region {region_code}.")
