"""Settings read from the environment (CREDIT_*), each with a default that works out of the box."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from zoneinfo import ZoneInfo

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# The longest URL (path and query) and header value the registry reads; longer ones get 414 and
# 431 as problem+json. The longest documented GET (a search with every parameter, its 100
# characters of name percent-encoded) needs about 1.3 KiB; long lists travel in bodies.
MAX_URL_BYTES = 4096
MAX_HEADER_BYTES = 8192

# What CREDIT_DATABASE_POOLER may name: nothing (the app servers reach PostgreSQL directly, or
# through a pooler in session mode), or pgbouncer in transaction pooling mode.
POOLERS = ("", "pgbouncer")


def _default_instance_dir() -> Path:
    return PROJECT_ROOT / "instance"


@dataclass(frozen=True)
class Settings:
    """What an operator may set; `Settings.from_env()` reads CREDIT_<NAME> for each field."""

    instance_dir: Path = field(default_factory=_default_instance_dir)
    database_url: str = ""
    # Hot standbys that serve reads (comma-separated SQLAlchemy URLs, PostgreSQL only); empty: the
    # primary serves everything. See docs/scaling.md.
    database_replica_urls: str = ""
    # A standby further behind the primary than this is skipped until it catches up; a caller's
    # own write is read from the primary until a standby has replayed it, for at most this long.
    replica_max_lag_ms: int = 5000
    # How often each worker asks the standbys how far they have replayed (and the primary where
    # its WAL stands).
    replica_check_ms: int = 1000
    # "pgbouncer" when the URLs lead through pgbouncer in transaction pooling mode: the driver then
    # prepares no statements, which a pooled server connection would not know on the next use.
    database_pooler: str = ""
    bind: str = "127.0.0.1:8000"
    workers: int = 2
    token_lifetime: int = 900  # seconds; short-lived so a disabled account stops working soon
    key_dir: Path | None = None
    # The certificate (PEM, its chain after it) and unencrypted PEM key that sign PDF reports;
    # unset, the registry signs with its own self-signed one in the key folder, made on first start.
    report_certificate: Path | None = None
    report_certificate_key: Path | None = None
    timezone: str = "Asia/Shanghai"
    max_body_bytes: int = 1024 * 1024
    # The address people reach the registry at (https://credit.example.gov.cn), for the links a
    # PDF report prints; empty, the address the report was requested at.
    public_url: str = ""
    # The largest file the verification page accepts (a report PDF is about 100 KiB); it cannot
    # be more than max_body_bytes, the largest body the registry reads at all.
    verify_upload_bytes: int = 1024 * 1024
    log_level: str = "INFO"
    demo: bool = True
    demo_enterprises: int = 300
    sqlite_busy_timeout_ms: int = 15000
    ruleset: str = "qc-2026.4"
    # Failed sign-ins allowed per account and per client address (successful ones do not count).
    signin_limit_account: str = "10/minute"
    signin_limit_address: str = "30/minute"
    # Checks posted per account, and lookups and searches of firms per client address (the API's
    # and the site's); "off" or empty lifts the limit. A batch check names up to 1,000 firms, so
    # an account checks up to 120,000 a minute; a person reading the site makes a few lookups.
    limit_checks: str = "120/minute"
    # Lookups are counted by client address, so they are off until CREDIT_TRUSTED_PROXIES says
    # which proxies to believe: behind a proxy every visitor would share its address and its limit.
    limit_lookups: str = "off"
    # Where every limit keeps its counters: e.g. redis://host:6379/0, shared by every worker and
    # machine; empty keeps them in each worker's memory, where each worker counts alone.
    ratelimit_storage_url: str = ""
    # Reverse proxies in front whose X-Forwarded-For/-Proto are believed; with none, a client
    # could name any address it likes in them.
    trusted_proxies: int = 0
    hsts_seconds: int = 0  # Strict-Transport-Security max-age on HTTPS requests; 0 sends none
    # Evidence a firm attaches to a credit repair application (PDF, PNG or JPEG): files per
    # application and bytes per file. A scanned decision or receipt of a few pages fits in 5 MiB.
    repair_attachment_max_count: int = 5
    repair_attachment_max_bytes: int = 5 * 1024 * 1024
    # One upload to POST /api/v1/imports (API.md, Data exchange); larger files go through
    # `credit import`, which has no limit.
    import_max_bytes: int = 20 * 1024 * 1024
    import_max_rows: int = 100_000

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides) -> Settings:
        environ = os.environ if environ is None else environ
        values = {}
        for f in fields(cls):
            raw = environ.get("CREDIT_" + f.name.upper())
            if raw is None or raw == "":
                continue
            values[f.name] = _parse(f.name, f.type, raw)
        if values.get("database_pooler", "") not in POOLERS:
            raise SystemExit(
                f"CREDIT_DATABASE_POOLER: {values['database_pooler']!r} is not one of: "
                + ", ".join(repr(p) for p in POOLERS)
            )
        values.update(overrides)
        return replace(cls(), **values)

    @property
    def database(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.instance_dir / 'registry.sqlite3'}"

    @property
    def replica_urls(self) -> list[str]:
        return [url.strip() for url in self.database_replica_urls.split(",") if url.strip()]

    @property
    def keys(self) -> Path:
        return self.key_dir or self.instance_dir / "keys"

    @property
    def evidence(self) -> Path:
        """Where repair applications' attachments are kept, each file under its SHA-256."""
        return self.instance_dir / "evidence"

    @property
    def repair_upload_bytes(self) -> int:
        """The largest body an upload of repair evidence may have: every file at its largest,
        and room for the form's other fields and the multipart framing."""
        return self.repair_attachment_max_count * self.repair_attachment_max_bytes + 256 * 1024

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def _parse(name: str, kind, raw: str):
    kind = str(kind)
    try:
        if "bool" in kind:
            if raw.lower() in {"1", "true", "yes", "on"}:
                return True
            if raw.lower() in {"0", "false", "no", "off"}:
                return False
            raise ValueError(raw)
        if "int" in kind:
            return int(raw)
        if "Path" in kind:
            return Path(raw).expanduser().resolve()
    except ValueError:
        raise SystemExit(f"CREDIT_{name.upper()}: cannot read {raw!r} as {kind}") from None
    return raw
