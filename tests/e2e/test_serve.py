"""./scripts/serve as a newcomer runs it: a real gunicorn on a free port, spoken to over HTTP."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

from credit.uscc import with_check_character
from tests.conftest import fresh_database_url
from tests.pdf_tools import needs_pdf

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
DEMO_ENTERPRISES = 50
# Generous because the first run on a machine may still install the registry into .venv.
STARTUP_TIMEOUT = 120
STOP_TIMEOUT = 30

# Straight to the server under test, whatever proxy the environment names.
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@dataclass
class Response:
    status: int
    headers: dict
    body: bytes

    def json(self):
        return json.loads(self.body)


@dataclass
class Server:
    url: str
    instance_dir: Path
    log: Path

    def call(self, method: str, path: str, body=None, token: str | None = None) -> Response:
        data = None if body is None else json.dumps(body).encode("utf-8")
        request = urllib.request.Request(self.url + path, data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        try:
            with _opener.open(request, timeout=30) as response:
                return Response(response.status, dict(response.headers), response.read())
        except urllib.error.HTTPError as error:
            return Response(error.code, dict(error.headers), error.read())

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def demo_password(self, username: str) -> str:
        (credentials,) = self.instance_dir.glob("demo-accounts-*.tsv")
        for line in credentials.read_text(encoding="utf-8").splitlines():
            name, password, _role, _binding = line.split("\t")
            if name == username:
                return password
        raise AssertionError(f"{username} is not among the demo accounts")

    def sign_in(self, username: str) -> str:
        response = self.call(
            "POST",
            "/api/v1/auth/token",
            {"username": username, "password": self.demo_password(username)},
        )
        assert response.status == 200, response.body
        return response.json()["access_token"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _server_environment(database_url: str, instance_dir: Path, bind: str) -> dict[str, str]:
    # Settings of the developer's shell (CREDIT_DEMO=0, a key directory...) must not leak in.
    environment = {k: v for k, v in os.environ.items() if not k.startswith("CREDIT_")}
    environment.update(
        CREDIT_BIND=bind,
        CREDIT_DATABASE_URL=database_url,
        CREDIT_INSTANCE_DIR=str(instance_dir),
        CREDIT_DEMO="1",
        CREDIT_DEMO_ENTERPRISES=str(DEMO_ENTERPRISES),
        CREDIT_WORKERS="2",
    )
    return environment


def _wait_until_healthy(server: Server, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"./scripts/serve exited with {process.returncode}:\n{server.output()}")
        try:
            if server.call("GET", "/healthz").status == 200:
                return
        except OSError:
            pass  # not listening yet
        time.sleep(0.25)
    pytest.fail(f"/healthz did not answer within {STARTUP_TIMEOUT} s:\n{server.output()}")


def _stop(process: subprocess.Popen) -> None:
    """Stops gunicorn's master and its workers: the whole process group the script started."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=STOP_TIMEOUT)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    # A worker orphaned by a master that died first is still in the group.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    directory = tmp_path_factory.mktemp("serve")
    instance_dir = directory / "instance"
    bind = f"127.0.0.1:{_free_port()}"
    with fresh_database_url(directory) as database_url:
        log = directory / "serve.log"
        with log.open("wb") as output:
            process = subprocess.Popen(
                [str(ROOT / "scripts" / "serve")],
                cwd=ROOT,
                env=_server_environment(database_url, instance_dir, bind),
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            running = Server(url=f"http://{bind}", instance_dir=instance_dir, log=log)
            _wait_until_healthy(running, process)
            yield running
        finally:
            _stop(process)


def test_health(server):
    response = server.call("GET", "/healthz")
    assert response.status == 200
    assert response.json() == {"status": "ok"}


def test_script_says_where_the_docs_are(server):
    assert f"{server.url}/api/v1/docs" in server.output()


def test_docs_and_their_assets_are_served_locally(server):
    page = server.call("GET", "/api/v1/docs")
    assert page.status == 200
    assert page.headers["Content-Type"].startswith("text/html")
    assets = re.findall(r'(?:src|href)="(/api/v1/docs/assets/[^"]+)"', page.body.decode("utf-8"))
    assert any(asset.endswith("swagger-ui-bundle.js") for asset in assets), assets
    for asset in assets:
        response = server.call("GET", asset)
        assert response.status == 200, asset
        assert len(response.body) > 1000, asset


def test_openapi_document(server):
    response = server.call("GET", "/api/v1/openapi.json")
    assert response.status == 200
    document = response.json()
    assert document["openapi"].startswith("3.")
    assert {"/api/v1/enterprises", "/api/v1/enterprises/{uscc}", "/api/v1/auth/token"} <= set(
        document["paths"]
    )


def test_search_finds_the_demo_firms_and_their_profiles(server):
    query = urllib.parse.urlencode({"q": "演示", "per_page": 200})
    found = server.call("GET", f"/api/v1/enterprises?{query}")
    assert found.status == 200
    page = found.json()
    assert page["total"] == DEMO_ENTERPRISES
    firm = page["items"][0]
    assert "演示" in firm["name"]

    profile = server.call("GET", f"/api/v1/enterprises/{firm['uscc']}")
    assert profile.status == 200
    body = profile.json()
    assert (body["uscc"], body["name"]) == (firm["uscc"], firm["name"])
    # Whether a demo listing is still in force depends on the day the server runs: the profile
    # agrees with the public list, whatever the day.
    listed = server.call("GET", "/api/v1/blacklist?per_page=200").json()["items"]
    assert body["blacklisted"] is (firm["uscc"] in {item["uscc"] for item in listed})


def test_demo_regulator_signs_in_and_registers_a_firm(server):
    wrong = server.call(
        "POST", "/api/v1/auth/token", {"username": "demo-regulator", "password": "not the password"}
    )
    assert wrong.status == 401
    token = server.sign_in("demo-regulator")

    code = with_check_character("91321102" + "MA" + f"{uuid.uuid4().int % 10**7:07d}")
    firm = {"uscc": code, "name": "镇江市京口区端到端检验仪器有限公司"}
    assert server.call("POST", "/api/v1/enterprises", firm).status == 401
    created = server.call("POST", "/api/v1/enterprises", firm, token=token)
    assert created.status == 201, created.body
    assert created.json()["region_code"] == "321102"

    profile = server.call("GET", f"/api/v1/enterprises/{code}")
    assert profile.status == 200
    assert profile.json()["name"] == firm["name"]
    assert server.call("POST", "/api/v1/enterprises", firm, token=token).status == 409


@needs_pdf
def test_every_worker_signs_pdf_reports_with_the_certificate_made_before_it_started(server):
    """The report certificate is made by the master before it forks, so each worker signs with
    the same one, and the command line verifies each PDF against the registry's folder."""
    token = server.sign_in("demo-procurement")
    search = "/api/v1/enterprises?q=" + urllib.parse.quote("演示")
    firms = server.call("GET", search).json()["items"]
    environment = {k: v for k, v in os.environ.items() if not k.startswith("CREDIT_")}
    environment.update(CREDIT_INSTANCE_DIR=str(server.instance_dir))
    fingerprints = set()
    # More requests than workers: gunicorn hands them to both.
    for index, firm in enumerate(firms[:4]):
        response = server.call("GET", f"/api/v1/enterprises/{firm['uscc']}/report.pdf", token=token)
        assert response.status == 200, response.body[:500]
        assert response.headers["Content-Type"] == "application/pdf"
        path = server.instance_dir.parent / f"report-{index}.pdf"
        path.write_bytes(response.body)
        verified = subprocess.run(
            [str(ROOT / ".venv/bin/credit"), "report", "verify", str(path)],
            capture_output=True,
            text=True,
            env=environment,
            timeout=60,
        )
        assert verified.returncode == 0, verified.stdout + verified.stderr
        fingerprints.add(re.search(r"certificate SHA-256 ([0-9a-f]+)", verified.stdout).group(1))
    assert len(fingerprints) == 1
    assert len(list((server.instance_dir / "keys" / "report-certificate").glob("*.pem"))) == 1


def _readme_examples(section: str) -> list[str]:
    """The shell commands of the first `sh` block under a README heading, comments left out."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index(f"## {section}")
    block = re.search(r"```sh\n(.*?)```", text[start:], re.S).group(1)
    commands, current = [], []
    for line in block.splitlines():
        if not current and (not line.strip() or line.startswith("#")):
            continue
        current.append(line)
        if not line.endswith("\\"):
            commands.append("\n".join(current))
            current = []
    return commands


@pytest.mark.skipif(shutil.which("curl") is None, reason="the README's examples use curl")
def test_the_readmes_curl_examples_work_as_written(server):
    password = server.demo_password("demo-regulator")
    script = []
    for command in _readme_examples("Signing in and calling the API"):
        script += [
            command.replace("http://127.0.0.1:8000", server.url).replace(
                '"PASSWORD"', json.dumps(password)
            ),
            'echo; echo "@@ exit $?"',
        ]
    environment = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    # An HTML error page from gunicorn may hold raw bytes: decode leniently, let the asserts say.
    run = subprocess.run(
        ["bash", "-c", "\n".join(script)],
        capture_output=True,
        encoding="utf-8",
        errors="replace",
        env=environment,
        timeout=60,
    )
    parts = re.split(r"\n@@ exit (\d+)\n", run.stdout)
    answers, statuses = [part.strip() for part in parts[0:-1:2]], parts[1::2]
    assert statuses == ["0"] * 5, run.stdout + run.stderr
    token, kept_token, registered, found, profile = answers
    assert json.loads(token)["token_type"] == "Bearer"
    assert kept_token == ""  # the assignment prints nothing
    assert json.loads(registered)["industry_code"] == "C38"
    assert "91321102MA1XN2Y345" in [item["uscc"] for item in json.loads(found)["items"]]
    assert json.loads(profile)["name"] == "镇江市华东电气设备有限公司"


MAX_BODY_BYTES = 1024 * 1024  # the default CREDIT_MAX_BODY_BYTES


def _send(
    server: Server, method: str, target: str, body=None, headers: dict | None = None
) -> Response:
    """One request as written, with http.client: a body given as an iterable goes chunked."""
    host, port = server.url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        connection.putrequest(method, target, skip_accept_encoding=True)
        for name, value in (headers or {}).items():
            connection.putheader(name, value)
        if body is not None:
            connection.putheader("Transfer-Encoding", "chunked")
        connection.endheaders()
        if body is not None:
            for piece in body:
                connection.send(b"%x\r\n%s\r\n" % (len(piece), piece))
            connection.send(b"0\r\n\r\n")
        answer = connection.getresponse()
        return Response(answer.status, dict(answer.headers), answer.read())
    finally:
        connection.close()


def _pieces(body: bytes, size: int = 64 * 1024):
    return [body[start : start + size] for start in range(0, len(body), size)]


def _is_problem(response: Response, status: int) -> dict:
    assert response.status == status, response.body[:500]
    assert response.headers["Content-Type"].startswith("application/problem+json"), response.body[
        :500
    ]
    body = response.json()
    assert body["status"] == status
    return body


def test_a_chunked_body_over_the_limit_is_413_not_cut(server):
    token = server.sign_in("demo-procurement")
    firm = server.call("GET", "/api/v1/enterprises?per_page=1").json()["items"][0]["uscc"]
    head = json.dumps({"uscc": [firm]}).encode()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    whole = _send(server, "POST", "/api/v1/checks/procurement", _pieces(head), headers)
    assert whole.status == 200, whole.body
    assert [r["uscc"] for r in whole.json()["results"]] == [firm]

    padded = head + b" " * (MAX_BODY_BYTES - len(head)) + b"garbage" * 100
    _is_problem(_send(server, "POST", "/api/v1/checks/procurement", _pieces(padded), headers), 413)


def test_a_long_url_the_registry_reads_gets_its_answer_not_a_server_page(server):
    # The longest documented search: every parameter, the name in 4-byte characters.
    query = urllib.parse.urlencode(
        {
            "q": "\U00020000" * 100,
            "region": "321102",
            "grade": "AAA",
            "page": 1000000,
            "per_page": 200,
        }
    )
    search = _send(server, "GET", f"/api/v1/enterprises?{query}")
    assert search.status == 200, search.body[:500]
    # The longest URL the registry reads, on a path it does not know.
    path = "/api/v1/" + "x" * (4096 - len("/api/v1/"))
    _is_problem(_send(server, "GET", path), 404)


def test_a_url_too_long_for_the_registry_is_414_problem(server):
    body = _is_problem(_send(server, "GET", "/api/v1/enterprises?q=" + "x" * 6000), 414)
    assert "request body" in body["detail"]


def test_a_header_too_long_for_the_registry_is_431_problem(server):
    _is_problem(_send(server, "GET", "/healthz", headers={"X-Note": "x" * 10_000}), 431)


def test_past_the_server_limit_gunicorn_answers_414_itself(server):
    # The documented exception: gunicorn's own page, before the registry sees the request.
    response = _send(server, "GET", "/api/v1/enterprises?q=" + "x" * 9000)
    assert response.status == 414


def test_a_query_that_is_not_utf8_is_400_naming_the_parameter(server):
    body = _is_problem(_send(server, "GET", "/api/v1/enterprises?q=%FF%FE%FD"), 400)
    assert set(body["errors"]) == {"q"}
