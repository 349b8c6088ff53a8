"""Parsing contained: a parser runs in a child process with memory and time limits.

A file can make a parsing library allocate 512 GiB (an xlsx whose one cell sits at XFD1048576), inflate a
corrupt deflate stream, or recurse 200,000 levels deep. In the task's own process that aborts the task,
and Airflow retries it. Here the parser runs in a worker process that:

- has an address-space limit (RLIMIT_AS) of its size at start plus PLANWATCH_PARSE_MEMORY_MB (default
  4096), so a huge allocation fails inside the worker (MemoryError, or an abort of the native reader);
- gets PLANWATCH_PARSE_TIMEOUT_S (default 300) per release, after which the parent kills it; a CPU-time
  limit (RLIMIT_CPU) stops it even if the parent is gone;
- writes no core file.

Whatever happens in the worker (an exception, a crash, a kill) comes back as a ReleaseError with the
release's location: the release is rejected and quarantined, never retried.

One worker per process serves every release of every source run in it, and is started only when there
is something to parse, so a night where nothing changed starts no process at all. After a crash, a
timeout, or growing past half its memory limit, the worker is replaced by a fresh one for the next release.

The worker is a fresh interpreter (`python -m ingest.sandbox FD ...`) talking over a socket pair, not a
fork of the task process (which holds DuckDB's and other threads, copied by fork() in whatever state their
locks are in), and not a multiprocessing child either: multiprocessing's spawn and forkserver re-import the
parent's main script in every child, and under Airflow that script imports all of Airflow. It imports only
this module and the parsers it is sent. Costs are measured in ingest/TRUST.md.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import resource
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, TypeVar

import psutil

from core.errors import ConfigError, Location
from ingest.errors import Finding, ReleaseError
from ingest.quarantine import excerpt

log = logging.getLogger(__name__)

MEMORY_ENV = "PLANWATCH_PARSE_MEMORY_MB"
TIMEOUT_ENV = "PLANWATCH_PARSE_TIMEOUT_S"
STARTUP_TIMEOUT_S = 120.0  # a fresh interpreter importing this module: about 0.3 s on a quiet machine
R = TypeVar("R")


@dataclass(frozen=True)
class SandboxLimits:
    memory_bytes: int = 4096 << 20
    timeout_s: float = 300.0

    @classmethod
    def from_env(cls) -> SandboxLimits:
        try:
            memory_mb = int(os.environ.get(MEMORY_ENV, "4096"))
            timeout_s = float(os.environ.get(TIMEOUT_ENV, "300"))
        except ValueError as exc:
            raise ConfigError(f"{MEMORY_ENV} / {TIMEOUT_ENV}: expected numbers ({exc})") from exc
        if memory_mb < 64 or timeout_s <= 0:
            raise ConfigError(f"{MEMORY_ENV} must be at least 64 and {TIMEOUT_ENV} above 0")
        return cls(memory_mb << 20, timeout_s)


def _set_limits(memory_bytes: int) -> None:
    base = psutil.Process().memory_info().vms
    resource.setrlimit(resource.RLIMIT_AS, (base + memory_bytes, base + memory_bytes))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _cpu_backstop(timeout_s: float) -> None:
    """Allow this job the CPU seconds used so far plus a margin over the parent's timeout."""
    used = resource.getrusage(resource.RUSAGE_SELF)
    limit = int(used.ru_utime + used.ru_stime + 2 * timeout_s + 5)
    hard = resource.getrlimit(resource.RLIMIT_CPU)[1]
    resource.setrlimit(
        resource.RLIMIT_CPU, (limit if hard == resource.RLIM_INFINITY else min(limit, hard), hard)
    )


def _reply(fn: Callable[..., Any], path: str | None, args: tuple[Any, ...]) -> tuple[Any, ...]:
    try:
        return ("ok", fn(*args) if path is None else _call_on_file(fn, path, args))
    except ReleaseError as exc:
        details = (exc.extra, [asdict(f) for f in exc.findings])
        return ("release_error", asdict(exc.where), exc.problem, exc.expected, details)
    except MemoryError:
        return ("memory",)
    except RecursionError:
        return ("failed", "RecursionError", "nested too deeply for the reader")
    except Exception as exc:  # any parser or library exception is a rejection, not a task crash
        return ("failed", type(exc).__name__, excerpt(exc, 160))


def _worker(conn: Connection, memory_bytes: int, timeout_s: float) -> None:
    _set_limits(memory_bytes)
    conn.send(("ready",))  # the release's time limit starts with its job, not with the interpreter
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return  # the parent is gone or done
        if job is None:
            return
        _cpu_backstop(timeout_s)
        reply = _reply(*job)
        try:
            conn.send(reply)
        except MemoryError:
            conn.send(("memory",))


def _call_on_file(fn: Callable[..., Any], path: str, args: tuple[Any, ...]) -> Any:
    with open(path, "rb") as fh:
        content = fh.read()
    return fn(content, *args)


def _death(exitcode: int | None) -> str:
    if exitcode is None:
        return "did not exit"
    if exitcode < 0:
        name = signal.Signals(-exitcode).name
        hint = {
            "SIGABRT": "usually an allocation over the memory limit",
            "SIGKILL": "killed, e.g. by the system's out-of-memory killer",
            "SIGSEGV": "the reader crashed",
            "SIGXCPU": "over its CPU-time limit",
        }.get(name, "")
        return f"{name}{': ' + hint if hint else ''}"
    return f"exit code {exitcode}"


class _Worker:
    """One worker process and its end of the socket pair."""

    def __init__(self, limits: SandboxLimits) -> None:
        self.limits = limits
        self.config = _config_env()
        ours, theirs = socket.socketpair()
        command = [
            sys.executable,
            "-m",
            "ingest.sandbox",
            str(theirs.fileno()),
            str(limits.memory_bytes),
            str(limits.timeout_s),
        ]
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
        with theirs:
            self.proc = subprocess.Popen(
                command, pass_fds=[theirs.fileno()], env=env, stdin=subprocess.DEVNULL, close_fds=True
            )
        self.conn = Connection(ours.detach())
        self.ready = False

    def wait_ready(self) -> None:
        """Wait for the new worker's interpreter to start before the first job's time limit begins: on a
        busy machine a start took more than the 1 s a test allows a release (raises OSError if it never
        says it is ready, which the caller reports as a dead parser process)."""
        if self.ready:
            return
        if not self.conn.poll(STARTUP_TIMEOUT_S) or self.conn.recv() != ("ready",):
            raise OSError(f"the parse worker did not start within {STARTUP_TIMEOUT_S:g} s")
        self.ready = True

    def stop(self, kill: bool) -> int:
        if not kill:
            with contextlib.suppress(OSError):
                self.conn.send(None)
        self.conn.close()
        if kill:
            self.proc.kill()
        try:
            return self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait()

    def grown(self) -> bool:
        """Past half its memory limit: recycled, so one large release does not weigh on the next."""
        try:
            return psutil.Process(self.proc.pid).memory_info().rss > self.limits.memory_bytes // 2
        except psutil.Error:
            return True


def _config_env() -> tuple[tuple[str, str], ...]:
    """The PLANWATCH_* settings a worker was started with (its parsers read the vocabulary and the plan
    catalog under PLANWATCH_HOME): a process whose settings change gets a worker started with the new."""
    return tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith("PLANWATCH_")))


# One worker per process and limits, shared by every source run in the process (under `airflow dags
# test` and the tests, all sources run in one process; an Airflow task in production is its own process).
_WORKERS: dict[SandboxLimits, _Worker] = {}
_WORKERS_LOCK = threading.Lock()
_STARTS = [0]


def workers_started() -> int:
    """How many worker processes this process has started (for tests and measurements)."""
    return _STARTS[0]


@atexit.register
def shutdown() -> None:
    with _WORKERS_LOCK:
        for worker in _WORKERS.values():
            worker.stop(kill=False)
        _WORKERS.clear()


class ParseSandbox:
    """Runs parsers in the process's worker (started on first use); a context manager for symmetry."""

    def __init__(self, limits: SandboxLimits | None = None) -> None:
        self.limits = limits or SandboxLimits.from_env()

    def __enter__(self) -> ParseSandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def run(self, fn: Callable[..., R], *args: Any, where: Location) -> R:
        """fn(*args) in the worker; fn must be a module-level function. Any failure is a ReleaseError."""
        return self._run(fn, None, args, where)

    def run_on_file(self, fn: Callable[..., R], path: Path, *args: Any, where: Location) -> R:
        """fn(content, *args) in the worker, where the worker reads content from path itself."""
        return self._run(fn, str(path), args, where)

    def _run(self, fn: Callable[..., R], path: str | None, args: tuple[Any, ...], where: Location) -> R:
        with _WORKERS_LOCK:  # one job at a time per worker; threads of one process take turns
            worker = _WORKERS.get(self.limits)
            if worker is not None and worker.config != _config_env():
                _WORKERS.pop(self.limits).stop(kill=False)
                worker = None
            if worker is None:
                worker = _WORKERS[self.limits] = _Worker(self.limits)
                _STARTS[0] += 1
            try:
                reply = self._exchange(worker, (fn, path, args), where)
            except ReleaseError:
                _WORKERS.pop(self.limits, None)
                raise
            if reply[0] == "memory" or worker.grown():
                _WORKERS.pop(self.limits).stop(kill=True)
        return self._result(reply, where)

    def _exchange(self, worker: _Worker, job: tuple[Any, ...], where: Location) -> tuple[Any, ...]:
        try:
            worker.wait_ready()
            worker.conn.send(job)
            if not worker.conn.poll(self.limits.timeout_s):
                worker.stop(kill=True)
                raise ReleaseError(
                    where,
                    f"parsing did not finish within {self.limits.timeout_s:g} s",
                    f"a release the parser reads within {TIMEOUT_ENV}",
                )
            reply: tuple[Any, ...] = worker.conn.recv()
            return reply
        except (EOFError, OSError) as exc:
            death = _death(worker.stop(kill=True))
            raise ReleaseError(
                where,
                f"the parser process died ({death}) while reading the file",
                f"a file the reader can read within {self.limits.memory_bytes >> 20} MiB ({MEMORY_ENV})",
            ) from exc

    def _result(self, reply: tuple[Any, ...], where: Location) -> Any:
        kind = reply[0]
        if kind == "ok":
            return reply[1]
        if kind == "release_error":
            extra, findings = reply[4]
            found = tuple(Finding(**f) for f in findings)
            raise ReleaseError(Location(**reply[1]), reply[2], reply[3], extra, found)
        if kind == "memory":
            raise ReleaseError(
                where, f"the reader needed more than {self.limits.memory_bytes >> 20} MiB ({MEMORY_ENV})"
            )
        raise ReleaseError(where, f"the reader failed: {reply[1]}: {reply[2]}", "a readable file")


def main(argv: list[str]) -> None:
    fd, memory_bytes, timeout_s = int(argv[0]), int(argv[1]), float(argv[2])
    _worker(Connection(fd), memory_bytes, timeout_s)


if __name__ == "__main__":
    main(sys.argv[1:])
