"""A small HTTP/1.1 load generator for loopback servers: client processes with a few threads each."""

from __future__ import annotations

import math
import multiprocessing
import os
import random
import socket
import threading
import time
from dataclasses import dataclass, field

LOOPBACK = "127.0.0.1"
# Slow enough to notice a hung server, long enough for a lookup on a cold cache.
SOCKET_TIMEOUT = 30.0


@dataclass
class RoundResult:
    """What one round measured: every latency, the statuses seen and the wall time it took."""

    latencies: list[float] = field(default_factory=list)  # seconds, one per completed request
    errors: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    first_error: str | None = None
    started: float = 0.0
    finished: float = 0.0
    client_cpu: float = 0.0  # seconds the client processes used

    @property
    def requests(self) -> int:
        return len(self.latencies)

    @property
    def elapsed(self) -> float:
        return max(self.finished - self.started, 1e-9)

    @property
    def throughput(self) -> float:
        return self.requests / self.elapsed

    def percentile(self, p: float) -> float:
        """The p-th percentile latency in milliseconds (nearest rank)."""
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        rank = max(0, min(len(ordered) - 1, math.ceil(p / 100 * len(ordered)) - 1))
        return ordered[rank] * 1000

    def absorb(self, other: RoundResult) -> None:
        self.latencies.extend(other.latencies)
        self.errors += other.errors
        for status, count in other.statuses.items():
            self.statuses[status] = self.statuses.get(status, 0) + count
        self.first_error = self.first_error or other.first_error
        self.started = min(self.started, other.started) if self.started else other.started
        self.finished = max(self.finished, other.finished)


class Connection:
    """One client connection: reused while the server keeps it alive, reopened when it closes it."""

    def __init__(self, port: int):
        self.port = port
        self.sock: socket.socket | None = None
        self.buffer = b""

    def get(self, path: str) -> tuple[int, bytes]:
        return self.send("GET", path)

    def send(
        self, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> tuple[int, bytes]:
        lines = [f"{method} {path} HTTP/1.1", f"Host: {LOOPBACK}:{self.port}"]
        lines.append("Accept: application/json")
        lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
        if body or method != "GET":
            lines += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
        request = ("\r\n".join(lines) + "\r\n\r\n").encode("ascii") + body
        if self.sock is None:
            self._open()
        try:
            self.sock.sendall(request)
            return self._read_response()
        except (ConnectionError, _ServerClosed):
            # The server may close an idle kept-alive connection just as we reuse it: retry once.
            self.close()
            self._open()
            self.sock.sendall(request)
            return self._read_response()

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
        self.sock = None
        self.buffer = b""

    def _open(self) -> None:
        self.sock = socket.create_connection((LOOPBACK, self.port), timeout=SOCKET_TIMEOUT)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = b""

    def _read_response(self) -> tuple[int, bytes]:
        while b"\r\n\r\n" not in self.buffer:
            self._fill()
        head, _, rest = self.buffer.partition(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        status = int(lines[0].split(b" ", 2)[1])
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            headers[name.strip().lower()] = value.strip().lower()
        if b"content-length" in headers:
            length = int(headers[b"content-length"])
            self.buffer = rest
            while len(self.buffer) < length:
                self._fill()
            body, self.buffer = self.buffer[:length], self.buffer[length:]
        else:
            # No length (not expected from either server): the body runs to the connection's end.
            self.buffer = rest
            try:
                while True:
                    self._fill()
            except _ServerClosed:
                pass
            body, headers[b"connection"] = self.buffer, b"close"
        if headers.get(b"connection") == b"close":
            self.close()
        return status, body

    def _fill(self) -> None:
        chunk = self.sock.recv(65536)
        if not chunk:
            raise _ServerClosed()
        self.buffer += chunk


class _ServerClosed(Exception):
    pass


@dataclass(frozen=True)
class Post:
    """What a round POSTs instead of GETting: `body(code, rng)` makes the JSON body for a random
    code (which the answer must carry), sent with `headers` (a bearer token)."""

    body: object  # Callable[[str, random.Random], bytes]
    headers: dict[str, str] = field(default_factory=dict)


def _client_thread(
    port: int,
    path_template: str,
    codes: list[str],
    quota: int,
    deadline: float,
    rng: random.Random,
    result: RoundResult,
    post: Post | None = None,
) -> None:
    connection = Connection(port)
    clock = time.perf_counter
    try:
        for _ in range(quota):
            if clock() >= deadline:
                break
            code = rng.choice(codes)
            begun = clock()
            try:
                if post is None:
                    status, body = connection.get(path_template.format(code))
                else:
                    status, body = connection.send(
                        "POST", path_template, post.body(code, rng), post.headers
                    )
            except (OSError, ValueError, IndexError, _ServerClosed) as error:
                connection.close()
                result.errors += 1
                result.first_error = result.first_error or f"{type(error).__name__}: {error}"
                continue
            result.latencies.append(clock() - begun)
            result.statuses[status] = result.statuses.get(status, 0) + 1
            # A 200 that does not carry the code asked for is as wrong as a 500.
            if status != 200 or code.encode("ascii") not in body:
                result.errors += 1
                result.first_error = result.first_error or f"HTTP {status}: {body[:200]!r}"
    finally:
        connection.close()


def _client_process(
    port: int,
    path_template: str,
    codes: list[str],
    threads: int,
    quota: int,
    start_at: float,
    duration: float,
    seed: str,
    pipe,
    post: Post | None = None,
) -> None:
    results = [RoundResult() for _ in range(threads)]
    per_thread = [quota // threads + (1 if i < quota % threads else 0) for i in range(threads)]
    # Every client starts at the same instant, so the wall time covers them all.
    while time.perf_counter() < start_at:
        time.sleep(min(0.005, max(0.0, start_at - time.perf_counter())))
    begun = time.perf_counter()
    deadline = begun + duration
    workers = [
        threading.Thread(
            target=_client_thread,
            daemon=True,
            args=(
                port,
                path_template,
                codes,
                per_thread[i],
                deadline,
                random.Random(f"{seed}:{i}"),
                results[i],
                post,
            ),
        )
        for i in range(threads)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    total = RoundResult(started=begun, finished=time.perf_counter())
    for result in results:
        total.absorb(result)
    total.started = begun
    pipe.send(total)
    pipe.close()


def run_round(
    port: int,
    path_template: str,
    codes: list[str],
    *,
    processes: int = 2,
    threads: int = 2,
    max_requests: int = 20000,
    duration: float = 20.0,
    seed: int = 0,
    post: Post | None = None,
) -> RoundResult:
    """GETs path_template.format(code) for random codes until max_requests or duration is reached;
    with `post`, POSTs its body for each random code to path_template instead."""
    context = multiprocessing.get_context("fork")
    before = os.times()
    start_at = time.perf_counter() + 0.3
    quotas = [
        max_requests // processes + (1 if i < max_requests % processes else 0)
        for i in range(processes)
    ]
    pipes, children = [], []
    for index in range(processes):
        receiver, sender = context.Pipe(duplex=False)
        child = context.Process(
            target=_client_process,
            daemon=True,
            args=(
                port,
                path_template,
                codes,
                threads,
                quotas[index],
                start_at,
                duration,
                f"{seed}:{index}",
                sender,
                post,
            ),
        )
        child.start()
        sender.close()
        pipes.append(receiver)
        children.append(child)
    total = RoundResult()
    try:
        for receiver in pipes:
            total.absorb(receiver.recv())
    finally:
        for child in children:
            child.join(timeout=duration + SOCKET_TIMEOUT + 5)
            if child.is_alive():
                child.kill()
                child.join()
    after = os.times()
    total.client_cpu = (
        after.children_user + after.children_system - before.children_user - before.children_system
    )
    return total
