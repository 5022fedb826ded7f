"""The `credit` command: serving, migrating, demo data, accounts and keys."""

from __future__ import annotations

import hashlib
import os
import sys

import click

from credit.config import Settings
from credit.services.exchange.columns import IMPORT_KINDS


def _settings() -> Settings:
    return Settings.from_env()


def _database():
    from credit.db import Database

    return Database(_settings())


@click.group()
def main() -> None:
    """Quality Credit Registry administration."""
    from credit import clock
    from credit.grading import ruleset

    settings = _settings()
    clock.set_zone(settings.zone)
    try:
        ruleset.use(settings.ruleset)
    except ruleset.RulesetError as error:
        raise click.ClickException(str(error)) from None


@main.command()
@click.option("--bind", help="host:port to listen on (default CREDIT_BIND, 127.0.0.1:8000)")
@click.option("--workers", type=int, help="worker processes (default CREDIT_WORKERS)")
def serve(bind: str | None, workers: int | None) -> None:
    """Migrate, then serve the API with gunicorn."""
    from credit import dbschema
    from credit.server import Server
    from credit.web import pdf

    # Pages and the API work without these; PDFs would be refused until they are installed.
    for problem in pdf.problems():
        click.echo(f"warning: PDFs cannot be rendered. {problem}", err=True)
    settings = _settings()
    database = _database()
    dbschema.upgrade(database.engine)
    database.dispose()
    Server(settings, bind=bind or settings.bind, workers=workers or settings.workers).run()


@main.group()
def db() -> None:
    """The database schema."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    """Apply the migrations up to a revision."""
    from credit import dbschema

    engine = _database().engine
    try:
        dbschema.upgrade(engine, revision)
    except dbschema.RevisionError as error:
        raise click.ClickException(str(error)) from None
    click.echo(_describe_schema(dbschema.state(engine)))


@db.command("current")
def db_current() -> None:
    """Show the database's revision and whether it is the newest one."""
    from credit import dbschema

    click.echo(_describe_schema(dbschema.state(_database().engine)))


# Unknown options are arguments here, so that `-1` reads as a revision rather than as an option.
@db.command("downgrade", context_settings={"ignore_unknown_options": True})
@click.argument("revision", required=False)
def db_downgrade(revision: str | None) -> None:
    """Undo migrations down to REVISION.

    REVISION is -1 for one step, -N for N steps, a revision id (`credit db current` shows the
    database's), or base for no tables at all. What the undone migrations added (tables,
    columns) is dropped with the data in it, so there is no default: the revision must be named.
    """
    from credit import dbschema

    if revision is None:
        raise click.UsageError(
            "name the revision to go down to: -1 for one step, a revision id (see `credit db "
            "current`), or base to drop every table; what the undone migrations added is "
            "dropped with its data"
        )
    engine = _database().engine
    before = dbschema.state(engine)
    if before.revision is None:
        raise click.ClickException("the database is at base: there is no migration to undo")
    try:
        dbschema.downgrade(engine, revision)
    except dbschema.RevisionError as error:
        raise click.ClickException(
            f"cannot go down from {before.revision} to {revision}: {error}"
        ) from None
    after = dbschema.state(engine)
    click.echo(
        f"database at {after.revision or 'base'}, down from {before.revision} "
        f"(head is {after.head})"
    )


def _describe_schema(state) -> str:
    if state.at_head:
        return f"database at {state.revision} (head)"
    if state.revision is None:
        return f"database at base, no tables (head is {state.head})"
    if not state.known:
        return (
            f"database at {state.revision}, a revision this version does not know "
            f"(its head is {state.head})"
        )
    return f"database at {state.revision}, not at head {state.head}"


@main.command()
@click.option("--enterprises", "count", type=click.IntRange(min=0), default=1000, show_default=True)
@click.option("--seed", type=int, default=2026, show_default=True, help="same seed, same firms")
@click.option("--batch", type=click.IntRange(min=100), default=5000, show_default=True)
@click.option(
    "--processes",
    type=click.IntRange(min=1, max=64),
    default=os.cpu_count() or 1,
    show_default="the number of CPUs",
    help="processes grading the firms written",
)
@click.option("--quiet", is_flag=True, help="no progress bar")
def seed(count: int, seed: int, batch: int, processes: int, quiet: bool) -> None:
    """Fill the database with synthetic demo firms (every name carries 演示)."""
    from credit import demo

    database = _database()
    written = demo.seed_enterprises(
        database, count, seed=seed, batch=batch, processes=processes, progress=not quiet
    )
    click.echo(f"{written} demo enterprises written")


@main.command()
def demo() -> None:
    """Seed a demo registry when the database is empty (unless CREDIT_DEMO=0); say how to sign in."""
    from sqlalchemy import select

    from credit import dbschema
    from credit import demo as demo_data
    from credit.models import Enterprise

    settings = _settings()
    database = _database()
    # One file per database, so another CREDIT_DATABASE_URL never shows stale passwords.
    tag = hashlib.sha256(settings.database.encode()).hexdigest()[:8]
    credentials = settings.instance_dir / f"demo-accounts-{tag}.tsv"
    with database.reading() as session:
        empty = (
            dbschema.is_empty(database.engine)
            or session.scalar(select(Enterprise.id).limit(1)) is None
        )
    if empty and settings.demo:
        demo_data.seed_enterprises(database, settings.demo_enterprises, progress=False)
        demo_data.list_demo_offenders(database)
        demo_data.sample_demo_products(database)
        demo_data.load_policy_targets(database)
        demo_data.create_demo_accounts(database, credentials)
        click.echo(f"seeded {settings.demo_enterprises} demo enterprises")
    if credentials.is_file():
        click.echo(f"demo accounts (password in {credentials}):")
        for line in credentials.read_text(encoding="utf-8").splitlines():
            username, password, role, binding = line.split("\t")
            click.echo(f"  {username:18} {role:12} {binding:18} password {password}")
        click.echo(
            f"sign in: curl -s -X POST http://{settings.bind}/api/v1/auth/token "
            "-H 'Content-Type: application/json' "
            '-d \'{"username": "demo-regulator", "password": "..."}\''
        )


@main.command()
@click.option("--all", "scope", flag_value="all", default=True, help="every firm (default)")
@click.option(
    "--due",
    "scope",
    flag_value="due",
    help="only firms whose grade may have changed since it was stored",
)
@click.option("--ruleset", "version", help="ruleset version (default CREDIT_RULESET)")
@click.option("--batch", type=click.IntRange(min=1, max=50000), default=2000, show_default=True)
@click.option(
    "--processes",
    type=click.IntRange(min=1, max=64),
    default=os.cpu_count() or 1,
    show_default="the number of CPUs",
    help="processes sharing the work (1 leaves the other cores to the web server)",
)
@click.option("--quiet", is_flag=True, help="no progress bar")
def regrade(scope: str, version: str | None, batch: int, processes: int, quiet: bool) -> None:
    """Recompute grades as of today; an interrupted run resumes where it stopped."""
    from tqdm import tqdm

    from credit.grading.ruleset import RulesetError, load
    from credit.services.regrading import regrade as run_regrade

    if version:
        try:
            load(version)
        except RulesetError as error:
            raise click.ClickException(str(error)) from None
    bar = tqdm(unit="firm", disable=quiet, desc=f"regrade --{scope}")
    report = run_regrade(
        _database(),
        scope=scope,
        version=version,
        batch=batch,
        processes=processes,
        on_start=lambda total: setattr(bar, "total", total),
        on_progress=lambda done, changed: bar.update(done),
    )
    bar.close()
    resumed = (
        f" (resumed: {report.resumed_from} firms were done before the interruption)"
        if report.resumed_from
        else ""
    )
    click.echo(f"{report.examined} firms regraded{resumed}, {report.changed} grades changed")


@main.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--kind", required=True, type=click.Choice(list(IMPORT_KINDS)))
@click.option("--as", "username", required=True, help="the regulator or agency account importing")
@click.option("--region", help="the region the rows are for (default the account's region)")
@click.option("--dry-run", is_flag=True, help="validate only; write nothing")
@click.option(
    "--chunk",
    type=click.IntRange(min=1),
    default=5000,
    show_default=True,
    help="rows a transaction",
)
@click.option("--quiet", is_flag=True, help="no progress bar")
def import_file(file, kind, username, region, dry_run, chunk, quiet) -> None:
    """Import a CSV, XLSX or JSON Lines file of any size: validated in full, then written in
    chunks; run again after an interruption, it finishes without writing a row twice."""
    from pathlib import Path

    from tqdm import tqdm

    from credit.errors import CreditError
    from credit.services.exchange import imports
    from credit.services.users import active_caller
    from schemas.imports import row_format

    database = _database()
    try:
        with database.reading() as session:
            caller = active_caller(session, username)
        region = imports.authorize(caller, kind, region)
    except CreditError as error:
        _fail(error)
    data = Path(file).read_bytes()
    checking = tqdm(unit="row", disable=quiet, desc="validating")
    writing = tqdm(unit="row", disable=quiet, desc="writing")
    report = imports.import_in_chunks(
        database,
        caller,
        kind,
        Path(file).name,
        data,
        row_format(kind),
        region=region,
        dry_run=dry_run,
        chunk_size=chunk,
        on_validated=lambda count: count % 1000 == 0 and checking.update(1000),
        on_written=writing.update,
    )
    checking.close()
    writing.close()
    click.echo(
        f"import {report['id']} {report['state']}: {report['rows']} rows, "
        f"{report['created']} {'to write' if dry_run else 'written'}, "
        f"{report['unchanged']} unchanged"
    )
    if report["errors"]:
        for error in report["errors"][:50]:
            where = "" if error["row"] is None else f"row {error['row']}"
            if error["column"]:
                where += f" {error['column']}"
            click.echo(f"  {where.strip() or 'file'}: {error['message']}", err=True)
        if len(report["errors"]) > 50:
            click.echo(
                f"  … {len(report['errors']) - 50} more (GET /api/v1/imports/{report['id']})",
                err=True,
            )
        raise SystemExit(1)


@main.group()
def inspections() -> None:
    """Random inspections (双随机)."""


@inspections.command("plan")
@click.option("--region", required=True, help="region code prefix, e.g. 3211")
@click.option("--date", "day", required=True, type=click.DateTime(formats=["%Y-%m-%d"]))
@click.option("--seed", required=True, type=click.IntRange(min=0))
@click.option("--csv", "as_csv", is_flag=True, help="CSV instead of a summary")
def inspections_plan(region: str, day, seed: int, as_csv: bool) -> None:
    """Draw the inspection sample of a region per risk class, reproducibly."""
    from credit.auth.caller import Caller
    from credit.services import inspection_plan

    officer = Caller(username="cli", role="regulator", region=region)
    with _database().reading() as session:
        plan = inspection_plan.draw(session, officer, region, day.date(), seed)
    if as_csv:
        # Bytes, not text: a terminal or a redirect in another encoding (GBK on a Chinese
        # Windows) would re-encode the file, and Excel would no longer see UTF-8 with its BOM.
        stdout = sys.stdout.buffer
        stdout.write(inspection_plan.as_csv(plan).encode("utf-8"))
        stdout.flush()
        return
    for group in plan["classes"]:
        click.echo(
            f"risk {group['risk_class']}: {group['sample_size']} of "
            f"{group['population']} firms ({group['ratio']})"
        )
        for firm in group["enterprises"]:
            click.echo(f"  {firm['uscc']}  {firm['name']}")


@main.group()
def users() -> None:
    """Accounts."""


@users.command("create")
@click.argument("username")
@click.option(
    "--role",
    required=True,
    type=click.Choice(["admin", "regulator", "agency", "bank", "procurement", "enterprise"]),
)
@click.option("--uscc", help="the firm an enterprise account belongs to")
@click.option("--region", help="the region code prefix a regulator or agency covers, e.g. 3211")
@click.option("--agency", help="an agency account: the department its records come from")
@click.option(
    "--kinds",
    multiple=True,
    help="an agency account: what it supplies (enterprise, award, certification, inspection, "
    "violation); repeat, or separate with commas",
)
@click.option(
    "--password-stdin", is_flag=True, required=True, help="read the password from standard input"
)
def users_create(username, role, uscc, region, agency, kinds, password_stdin) -> None:
    """Create an account."""
    from credit.errors import CreditError
    from credit.services.users import create_user

    password = sys.stdin.read().rstrip("\r\n")
    kinds = [kind for given in kinds for kind in given.split(",")]
    try:
        with _database().writing() as session:
            user = create_user(
                session,
                username,
                role,
                password,
                uscc=uscc,
                region=region,
                agency=agency,
                kinds=kinds,
            )
            summary = _describe(user)
    except CreditError as error:
        _fail(error)
    click.echo(f"created {summary}")


@users.command("list")
def users_list() -> None:
    """List accounts."""
    from credit.services.users import list_users

    with _database().reading() as session:
        for user in list_users(session):
            click.echo(_describe(user))


@users.command("disable")
@click.argument("username")
def users_disable(username) -> None:
    """Disable an account; its tokens stop working at once."""
    from credit.errors import CreditError
    from credit.services.users import disable_user

    try:
        with _database().writing() as session:
            disable_user(session, username)
    except CreditError as error:
        _fail(error)
    click.echo(f"disabled {username}")


@users.command("enable")
@click.argument("username")
def users_enable(username) -> None:
    """Let a disabled account sign in again."""
    from credit.errors import CreditError
    from credit.services.users import enable_user

    try:
        with _database().writing() as session:
            enable_user(session, username)
    except CreditError as error:
        _fail(error)
    click.echo(f"enabled {username}")


@users.command("change")
@click.argument("username")
@click.option(
    "--role",
    type=click.Choice(["admin", "regulator", "agency", "bank", "procurement", "enterprise"]),
    help="a new role; bindings the new role does not take are dropped",
)
@click.option("--uscc", help="the firm an enterprise account belongs to")
@click.option("--region", help="the region code prefix a regulator or agency covers")
@click.option("--agency", help="an agency account: the department its records come from")
@click.option(
    "--kinds", multiple=True, help="an agency account: what it supplies; repeat or use commas"
)
def users_change(username, role, uscc, region, agency, kinds) -> None:
    """Change an account's role or what it is bound to; the change is an audit event."""
    from credit.errors import CreditError
    from credit.services.users import change_user

    given = {"uscc": uscc, "region": region, "agency": agency}
    if kinds:
        given["kinds"] = [kind for value in kinds for kind in value.split(",")]
    try:
        with _database().writing() as session:
            user = change_user(
                session,
                username,
                role=role,
                **{name: value for name, value in given.items() if value is not None},
            )
            summary = _describe(user)
    except CreditError as error:
        _fail(error)
    click.echo(f"changed {summary}")


@users.command("password")
@click.argument("username")
@click.option(
    "--password-stdin", is_flag=True, required=True, help="read the password from standard input"
)
def users_password(username, password_stdin) -> None:
    """Set an account's password; the audit log records that it changed, never the hash."""
    from credit.errors import CreditError
    from credit.services.users import set_password

    password = sys.stdin.read().rstrip("\r\n")
    try:
        with _database().writing() as session:
            set_password(session, username, password)
    except CreditError as error:
        _fail(error)
    click.echo(f"new password set for {username}")


@main.group()
def audit() -> None:
    """The tamper-evident audit log."""


@audit.command("verify")
def audit_verify() -> None:
    """Check the hash chain, every row against its events and every query-log seal against its
    entries; exit 1 naming each mismatch. Entries not sealed yet are said, not counted."""
    from credit.services import seals
    from credit.services.audit import verify

    problems = 0
    with _database().reading() as session:
        for mismatch in verify(session):
            problems += 1
            click.echo(f"MISMATCH: {mismatch}", err=True)
        pending = seals.unsealed(session)
        newest = seals.head(session)
    if problems:
        raise SystemExit(1)
    click.echo("audit log verified: the chain is intact and every row matches its events")
    if newest is not None:
        click.echo(f"query log sealed up to entry {newest.last_entry_id}: {_describe_seal(newest)}")
    click.echo(str(pending))


@audit.command("seal")
@click.option(
    "--size",
    type=click.IntRange(min=1, max=100_000),
    default=10_000,
    show_default=True,
    help="entries a seal covers at most",
)
def audit_seal(size: int) -> None:
    """Seal the query-log entries written since the last seal (run it from cron, e.g. every
    minute); prints the newest seal, whose hash is worth keeping outside the database."""
    from credit.services import seals

    database = _database()
    made = 0
    while True:
        with database.writing() as session:
            sealed = seals.seal(session, size)
            if sealed is None:
                newest = seals.head(session)
                summary = _describe_seal(newest) if newest is not None else None
                break
            made += 1
    if summary is None:
        click.echo("the query log is empty: nothing to seal")
    else:
        click.echo(f"{made} new seals; newest {summary}")


def _describe_seal(seal) -> str:
    return f"seal {seal.id} (entries {seal.first_entry_id}–{seal.last_entry_id}) hash {seal.hash}"


@main.group()
def keys() -> None:
    """Signing keys."""


@keys.command("rotate")
@click.option("--reports", is_flag=True, help="the key that signs credit reports, not tokens")
def keys_rotate(reports: bool) -> None:
    """Sign with a new key from now on; what older keys signed keeps verifying."""
    from credit.auth.keys import KeyRing

    purpose = "reports" if reports else "tokens"
    key = KeyRing(_settings().keys / purpose).rotate()
    click.echo(f"new {purpose} signing key {key.kid}")


@main.group()
def report() -> None:
    """Signed credit reports and the quality-status report."""


@report.command("quality-status")
@click.option("--region", required=True, help="a province (32), city (3211) or district (321102)")
@click.option("--period", required=True, help="a quarter (2026Q3) or a year (2026)")
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, writable=True),
    help="the file to write: FILE.pdf, or FILE.html for the page",
)
def report_quality_status(region: str, period: str, out: str) -> None:
    """Write the quality-status analysis report (质量状况分析报告) of a region and period."""
    from credit.auth.caller import Caller
    from credit.errors import CreditError
    from credit.services.quality_status import quality_status
    from credit.web.reports import quality_status as rendering

    # The operator at the machine reports as the regulator of the region asked.
    officer = Caller(username="cli", role="regulator", region=region.strip())
    try:
        with _database().reading() as session:
            figures = quality_status(session, officer, region, period)
        if out.lower().endswith((".html", ".htm")):
            content = rendering.render_html(figures).encode("utf-8")
        else:
            content = rendering.render_pdf(figures)
    except CreditError as error:
        _fail(error)
    with open(out, "wb") as handle:
        handle.write(content)
    click.echo(
        f"wrote {out}: {figures['region_name']}{figures['period']['label_zh']}质量状况分析报告"
    )


@report.command("verify")
@click.argument("file", type=click.File("rb"))
@click.option("--jwks", "source", help="a key set file or URL (default: this registry's keys)")
@click.option(
    "--certificate",
    type=click.Path(exists=True, dir_okay=False),
    help="PEM certificates a PDF's signature may come from (default: this registry's)",
)
def report_verify(file, source: str | None, certificate: str | None) -> None:
    """Check a signed report offline, a PDF or a JWS; exit 1 if it was altered or signed by an
    unknown key or certificate. A PDF's own signature and the JWS attached inside are both
    checked."""
    import json
    import urllib.request
    from pathlib import Path

    from cryptography import x509

    from credit.auth import certificates
    from credit.auth.keys import KeyRing
    from credit.web.report_verification import NotVerified, verify_document

    settings = _settings()
    if source is None:
        jwks = KeyRing(settings.keys / "reports").jwks()
    elif source.startswith(("http://", "https://")):
        with urllib.request.urlopen(source, timeout=30) as response:  # an address the user gave
            jwks = json.load(response)
    else:
        with open(source, encoding="utf-8") as handle:
            jwks = json.load(handle)
    if certificate is not None:
        trusted = x509.load_pem_x509_certificates(Path(certificate).read_bytes())
    else:
        configured = None
        if settings.report_certificate or settings.report_certificate_key:
            configured = certificates.load(
                settings.keys, settings.report_certificate, settings.report_certificate_key
            )
        trusted = certificates.trusted(settings.keys, configured)
    try:
        verified = verify_document(file.read(), jwks, trusted)
    except NotVerified as error:
        click.echo(f"INVALID: {error}", err=True)
        raise SystemExit(1) from None
    content = verified.content
    firm = content.get("enterprise", {})
    verdict = content.get("procurement", {})
    if verified.pdf is not None:
        signed_at = verified.pdf.signed_at.isoformat() if verified.pdf.signed_at else "unknown"
        click.echo(
            f"valid PDF: signed by {verified.pdf.signer} at {signed_at} "
            f"(certificate SHA-256 {verified.pdf.fingerprint})"
        )
    click.echo(
        f"valid report {content.get('report_id')} issued {content.get('issued_at')}, "
        f"key {verified.kid}"
    )
    click.echo(
        f"  {firm.get('uscc')} {firm.get('name')} as of {content.get('as_of')}: grade "
        f"{content.get('grade')}, risk class {content.get('risk_class')}, "
        f"{'eligible' if verdict.get('eligible') else 'NOT eligible'} for procurement"
    )
    for reason in verdict.get("reasons", []):
        click.echo(f"  {reason['severity']}: {reason['code']} {reason['detail']}")


@main.command("export")
@click.argument(
    "dataset", type=click.Choice(["enterprises", "blacklist", "inspections", "violations", "files"])
)
@click.option(
    "--format", "fmt", type=click.Choice(["csv", "jsonl", "xlsx"]), default="csv", show_default=True
)
@click.option(
    "--out", required=True, type=click.Path(dir_okay=False, writable=True), help="the file to write"
)
@click.option("--region", help="a region code prefix (required for files: whose files)")
def export(dataset: str, fmt: str, out: str, region: str | None) -> None:
    """Write an open-data dataset, or a region's whole credit files, as the API would send it."""
    from credit.auth.caller import PUBLIC, Caller
    from credit.errors import CreditError
    from credit.services.exchange import exports, writers
    from schemas.exports import DUMPS

    if dataset == "files" and not region:
        raise click.UsageError("files needs --region: the region whose credit files to write")
    # The operator at the machine exports whole files as the regulator of the region named.
    caller = (
        Caller(username="cli", role="regulator", region=region) if dataset == "files" else PUBLIC
    )
    partial = f"{out}.part"
    written = 0
    database = _database()
    try:
        with database.reading() as session:
            found = exports.open_export(session, caller, dataset, fmt, region=region)

            def counted():
                nonlocal written
                for row in found.rows():
                    written += 1
                    yield row

            with open(partial, "wb") as handle:
                for piece in writers.pieces(
                    fmt, found.columns, counted(), title=dataset, dump=DUMPS.get(dataset)
                ):
                    handle.write(piece)
    except BaseException as error:
        # A file half written is never left behind, nor under the name asked for.
        if os.path.exists(partial):
            os.unlink(partial)
        if isinstance(error, CreditError):
            _fail(error)
        raise
    finally:
        database.dispose()
    os.replace(partial, out)
    click.echo(f"wrote {out}: {written} rows of {dataset}, read at audit cursor {found.cursor}")


def _describe(user) -> str:
    binding = user.uscc or user.region or "-"
    if user.agency:
        binding = f"{binding} {user.agency} ({user.kinds})"
    state = "active" if user.active else "disabled"
    return f"{user.username}\t{user.role}\t{binding}\t{state}"


def _fail(error) -> None:
    click.echo(f"error: {error.detail}", err=True)
    for field, messages in (error.errors or {}).items():
        click.echo(f"  {field}: {'; '.join(messages)}", err=True)
    raise SystemExit(1 if error.status != 409 else 3)
