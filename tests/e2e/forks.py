"""The e2e tests' bot and sandbox processes, forked from one that has already imported them.

A fresh interpreter spends 4-5 s of CPU here importing aiogram, SQLAlchemy and the bot before
it does anything, and the e2e tests start some forty `python -m bot` and `python -m sandbox`
processes: more than a minute of the suite's two cores. So each pytest process starts one fork
server on first use (`python -m tests.e2e.forks SOCKET`), which imports the bot and the sandbox
once and then, for each request, forks a child that runs the module as `python -m` would
(`runpy`, as `__main__`, `sys.argv` set) with the test's arguments, working folder, environment
and pipes. The test holds a `Forked`: its pid, its output as asyncio streams, its exit code
(the server reaps the child and says how it ended), signals. A request whose test goes away
takes its child with it (SIGKILL), and the server ends with the pytest process that started it.

What a fork shares with its server is the imports; settings, databases, threads and the event
loop all begin in the child, after the fork, as in a fresh process. Tests of start-up itself
spawn real interpreters (tests/integration/test_start_imports.py, the start-up benchmark, the
kill -9 test's own fork server tests/e2e/respawn.py).
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import faulthandler
import io
import json
import os
import runpy
import selectors
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import traceback
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
FDS = 3  # stdin, stdout, stderr of the child


# The server side ---------------------------------------------------------------------------


def _run_child(request: dict[str, Any], fds: list[int]) -> None:
    """In the forked child: become the requested `python -m ...` / `python -c ...` and exit."""
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
    for fd in fds:
        if fd > 2:
            os.close(fd)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    sys.stdin = io.TextIOWrapper(io.FileIO(0, "r", closefd=False), encoding="utf-8")
    sys.stdout = io.TextIOWrapper(io.FileIO(1, "w", closefd=False), "utf-8", write_through=True)
    sys.stderr = io.TextIOWrapper(
        io.FileIO(2, "w", closefd=False), "utf-8", "backslashreplace", write_through=True
    )
    # A test whose child does not stop can ask where it is (tests/e2e/chat.py stop_process).
    faulthandler.register(signal.SIGUSR1, file=sys.stderr, all_threads=True)
    args: list[str] = request["args"]
    code = 0
    try:
        if args[0] == "-m":
            sys.argv = [args[1], *args[2:]]
            runpy.run_module(args[1], run_name="__main__", alter_sys=True)
        elif args[0] == "-c":
            sys.argv = ["-c", *args[2:]]
            exec(compile(args[1], "<string>", "exec"), {"__name__": "__main__"})
        else:
            raise SystemExit(f"forks: only -m and -c, not {args[0]!r}")
    except SystemExit as done:
        if done.code is None or isinstance(done.code, int):
            code = done.code or 0
        else:
            print(done.code, file=sys.stderr)
            code = 1
    except KeyboardInterrupt:
        # As a fresh interpreter ends on an uncaught Ctrl-C: killed by SIGINT itself.
        with contextlib.suppress(Exception):
            atexit._run_exitfuncs()
            sys.stdout.flush()
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGINT)
    except BaseException:
        traceback.print_exc()
        code = 1
    with contextlib.suppress(Exception):
        atexit._run_exitfuncs()  # logging's shutdown and whatever the module registered
        sys.stdout.flush()
        sys.stderr.flush()
    os._exit(code)


class _Server:
    def __init__(self, path: str) -> None:
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.listener.bind(path)
        self.listener.listen(64)
        self.wake_r, self.wake_w = os.pipe()
        os.set_blocking(self.wake_r, False)
        os.set_blocking(self.wake_w, False)
        self.selector = selectors.DefaultSelector()
        self.children: dict[int, socket.socket] = {}  # pid → the request's connection
        self.of_conn: dict[socket.socket, int] = {}

    def serve(self) -> None:
        signal.set_wakeup_fd(self.wake_w)
        signal.signal(signal.SIGCHLD, lambda *_: None)
        self.selector.register(self.listener, selectors.EVENT_READ, "accept")
        self.selector.register(self.wake_r, selectors.EVENT_READ, "reap")
        self.selector.register(sys.stdin, selectors.EVENT_READ, "parent")
        print("forks: ready", flush=True)
        while True:
            for key, _ in self.selector.select():
                if key.data == "accept":
                    conn, _ = self.listener.accept()
                    self.selector.register(conn, selectors.EVENT_READ, "request")
                elif key.data == "request":
                    self.request(key.fileobj)  # type: ignore[arg-type]
                elif key.data == "reap":
                    with contextlib.suppress(BlockingIOError):
                        os.read(self.wake_r, 4096)
                    self.reap()
                elif not os.read(sys.stdin.fileno(), 4096):  # the pytest process is gone
                    for pid in self.children:
                        with contextlib.suppress(ProcessLookupError):
                            os.kill(pid, signal.SIGKILL)
                    return

    def request(self, conn: socket.socket) -> None:
        try:
            message, fds, _, _ = socket.recv_fds(conn, 1 << 20, FDS)
        except OSError:
            message, fds = b"", []
        if not message:  # the test let go of it: its child goes too
            self.selector.unregister(conn)
            pid = self.of_conn.pop(conn, None)
            if pid is not None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            conn.close()
            return
        pid = os.fork()
        if pid == 0:
            self.in_child()
            _run_child(json.loads(message), fds)
        for fd in fds:
            os.close(fd)
        self.children[pid] = conn
        self.of_conn[conn] = pid
        conn.send(json.dumps({"pid": pid}).encode())

    def in_child(self) -> None:
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        self.selector.close()
        self.listener.close()
        for conn in self.of_conn:
            conn.close()
        os.close(self.wake_r)
        os.close(self.wake_w)

    def reap(self) -> None:
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            conn = self.children.pop(pid, None)
            if conn is None:
                continue
            self.of_conn.pop(conn, None)
            with contextlib.suppress(OSError):
                conn.send(json.dumps({"exit": os.waitstatus_to_exitcode(status)}).encode())


def serve(path: str) -> None:
    # What `python -m bot` and `python -m sandbox` import before they do anything.
    import bot.app
    import bot.cli
    import bot.config  # noqa: F401
    import sandbox.run  # noqa: F401

    _Server(path).serve()


# The test side -----------------------------------------------------------------------------

_lock = threading.Lock()
_server: tuple[subprocess.Popen[bytes], str] | None = None


def _address() -> str:
    """The socket of this pytest process's fork server, started on first use."""
    global _server
    with _lock:
        if _server is not None and _server[0].poll() is None:
            return _server[1]
        path = tempfile.mktemp(prefix="salesbot-forks-", suffix=".sock")
        env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "TMPDIR")}
        # No coverage, no test settings: the server's children are separate programs.
        server = subprocess.Popen(
            [sys.executable, "-m", "tests.e2e.forks", path],
            cwd=ROOT, env=env | {"PYTHONPATH": str(ROOT)},
            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        )  # fmt: skip
        assert server.stdout is not None
        line = server.stdout.readline()
        if line.strip() != b"forks: ready":
            server.kill()
            raise RuntimeError(f"the fork server did not start: {line!r}")
        atexit.register(_stop, server, path)
        _server = (server, path)
        return path


def _stop(server: subprocess.Popen[bytes], path: str) -> None:
    if server.stdin is not None:
        with contextlib.suppress(OSError):
            server.stdin.close()
    with contextlib.suppress(subprocess.TimeoutExpired):
        server.wait(10)
    if server.stdout is not None:
        server.stdout.close()
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


def _ask(args: list[str], cwd: Path, env: dict[str, str], fds: list[int]) -> socket.socket:
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    conn.connect(_address())
    request = {"args": args, "cwd": str(cwd), "env": env}
    socket.send_fds(conn, [json.dumps(request).encode()], fds)
    return conn


def _pid(conn: socket.socket) -> int:
    answer = json.loads(conn.recv(4096))
    return int(answer["pid"])


class Forked:
    """A forked `python -m ...`, as much of asyncio's Process as the tests use."""

    def __init__(self, pid: int, conn: socket.socket, stdout: asyncio.StreamReader,
                 stdin: asyncio.StreamWriter | None) -> None:  # fmt: skip
        self.pid, self.stdout, self.stdin = pid, stdout, stdin  # stderr goes into stdout
        self.returncode: int | None = None
        self._conn = conn
        self._ended = asyncio.ensure_future(self._watch())

    async def _watch(self) -> int:
        loop = asyncio.get_running_loop()
        try:
            answer = await loop.sock_recv(self._conn, 4096)
        finally:
            self._conn.close()
        self.returncode = int(json.loads(answer)["exit"]) if answer else -signal.SIGKILL
        return self.returncode

    async def wait(self) -> int:
        return await asyncio.shield(self._ended)

    def send_signal(self, signum: int) -> None:
        if self.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signum)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    async def communicate(self) -> tuple[bytes, None]:
        out = await self.stdout.read()
        await self.wait()
        return out, None


async def _reader(fd: int) -> asyncio.StreamReader:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=1 << 20)
    pipe = open(fd, "rb", buffering=0)  # noqa: ASYNC230, SIM115  (a pipe; the transport closes it)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), pipe)
    return reader


async def _writer(fd: int) -> asyncio.StreamWriter:
    loop = asyncio.get_running_loop()
    pipe = open(fd, "wb", buffering=0)  # noqa: ASYNC230, SIM115  (a pipe; the transport closes it)
    transport, protocol = await loop.connect_write_pipe(
        lambda: asyncio.streams.FlowControlMixin(), pipe
    )
    return asyncio.StreamWriter(transport, protocol, None, loop)


async def start(args: list[str], cwd: Path, env: dict[str, str], *, stdin: bool = False) -> Forked:
    """`python *args` in cwd with env, forked: stdout and stderr as one asyncio stream; stdin
    a pipe to write to, or nothing."""
    out_r, out_w = os.pipe()
    in_r, in_w = os.pipe() if stdin else (os.open(os.devnull, os.O_RDONLY), -1)
    try:
        loop = asyncio.get_running_loop()
        conn = await loop.run_in_executor(None, _ask, args, cwd, env, [in_r, out_w, out_w])
        conn.setblocking(False)
        pid = json.loads(await loop.sock_recv(conn, 4096))["pid"]
    finally:
        os.close(in_r)
        os.close(out_w)
    stdout = await _reader(out_r)
    writer = await _writer(in_w) if stdin else None
    return Forked(int(pid), conn, stdout, writer)


def run(args: list[str], cwd: Path, env: dict[str, str], timeout: float) -> tuple[int, str, str]:
    """`python *args`, forked, to its end: the exit code, stdout and stderr (as text)."""
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    null = os.open(os.devnull, os.O_RDONLY)
    try:
        conn = _ask(args, cwd, env, [null, out_w, err_w])
    finally:
        for fd in (null, out_w, err_w):
            os.close(fd)
    with conn:
        pid = _pid(conn)
        chunks: dict[int, list[bytes]] = {out_r: [], err_r: []}
        with selectors.DefaultSelector() as selector:
            for fd in chunks:
                selector.register(fd, selectors.EVENT_READ)
            open_fds = set(chunks)
            while open_fds:
                ready = selector.select(timeout)
                if not ready:
                    os.kill(pid, signal.SIGKILL)
                    raise subprocess.TimeoutExpired(args, timeout)
                for key, _ in ready:
                    fd = int(key.fd)
                    data = os.read(fd, 65536)
                    if data:
                        chunks[fd].append(data)
                    else:
                        selector.unregister(fd)
                        open_fds.discard(fd)
                        os.close(fd)
        conn.settimeout(timeout)
        code = int(json.loads(conn.recv(4096))["exit"])
    text = {fd: b"".join(parts).decode(errors="replace") for fd, parts in chunks.items()}
    return code, text[out_r], text[err_r]


if __name__ == "__main__":
    serve(sys.argv[1])
