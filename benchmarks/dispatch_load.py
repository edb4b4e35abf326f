"""Benchmark: while a busy day's solve runs in the background, other pages keep p95 < 200 ms.

Usage::

    .venv/bin/python benchmarks/dispatch_load.py [--time-limit 20] [--threads 4] [--requests 400]
    .venv/bin/python benchmarks/dispatch_load.py --server gunicorn --workers 2 [--redis] --database-url ...

Starts the app (threaded Werkzeug server on 127.0.0.1, in-process job thread,
no Redis) on a scratch SQLite database with the demo and its busy day, signs
a coordinator in, starts "Plan routes" through the page (the solve runs as the
background job with 2 solver processes) and, while it solves, sends a bounded
number of GETs to other pages from a few threads (urllib, loopback only) of a
separate load process (so the clients do not share the server's interpreter
lock), while one more client polls the plan's status every second as the plan
page does. Prints p50/p95 of the page responses, the status polls' figures,
every answer that was not a 200, the machine's load average (other work on the
machine slows the pages too) and whether the solve was running throughout.

``--server gunicorn --workers N`` serves the app as README's Production section
does instead: ``gunicorn --workers N wsgi:app`` (sync workers) as a subprocess
on a free loopback port, with the same DATABASE_URL and SECRET_KEY as the
script's app (which only prepares the data). The plan then solves in a thread
of the gunicorn worker that took the "Plan routes" POST (no Redis), or with
``--redis`` on RQ as in production: ``--rq-workers`` ``rq worker`` subprocesses
(default 2, so a day's zones solve side by side) on a scratch Redis database
(``--redis-url``, default redis://127.0.0.1:6379/14, which must be empty; its
RQ keys are deleted at the end; ``--rq-nice 10`` runs them niced as the job
thread is). ``--solver-processes`` applies to the Werkzeug server only:
gunicorn's app and RQ jobs use the app's default (2).
"""
from __future__ import annotations

import argparse
import datetime as dt
import http.cookiejar
import json
import multiprocessing
import os
import re
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from pathlib import Path
from zoneinfo import ZoneInfo

import flask_migrate
from werkzeug.serving import WSGIRequestHandler, make_server

from coalition import create_app
from coalition.config import Config
from coalition.extensions import db
from coalition.services import demo

ROOT = Path(__file__).resolve().parent.parent
PAGES = ["/", "/organizations/", "/supply/", "/claims/", "/notifications/", "/planning/"]


class _Quiet(WSGIRequestHandler):
    def log_request(self, *args, **kwargs):
        pass


def _opener():
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))


def _token(html: str) -> str:
    return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html).group(1)


def _sign_in(base: str):
    opener = _opener()
    page = opener.open(f"{base}/signin").read().decode()
    data = urllib.parse.urlencode({"email": "coordinator@example.org", "password": demo.DEMO_PASSWORD,
                                   "csrf_token": _token(page)}).encode()
    opener.open(f"{base}/signin", data)
    return opener


def _get(opener, url: str) -> tuple[float, int]:
    """(seconds, HTTP status) of one GET; an error status is an answer too, not the end of the client."""
    started = time.perf_counter()
    try:
        with opener.open(url) as response:
            response.read()
            code = response.status
    except urllib.error.HTTPError as error:
        error.read()
        code = error.code
    return time.perf_counter() - started, code


def _load(base: str, threads: int, per_thread: int, status_url: str | None):
    """The load process: ``threads`` signed-in clients each GET ``per_thread`` pages in turn, and (while they
    do) one more polls ``status_url`` every second. Returns ([(page, seconds, status)], [(seconds, status)])."""
    answers: list[tuple[str, float, int]] = []
    polls: list[tuple[float, int]] = []
    lock = threading.Lock()
    openers = [_sign_in(base) for _ in range(threads + 1)]
    finished = threading.Event()

    def client(index: int) -> None:
        for n in range(per_thread):
            page = PAGES[(index + n) % len(PAGES)]
            seconds, code = _get(openers[index], base + page)
            with lock:
                answers.append((page, seconds, code))

    def poller() -> None:
        while not finished.wait(1.0):
            polls.append(_get(openers[-1], status_url))

    workers = [threading.Thread(target=client, args=(i,)) for i in range(threads)]
    watcher = threading.Thread(target=poller) if status_url else None
    for t in workers + ([watcher] if watcher else []):
        t.start()
    for t in workers:
        t.join()
    finished.set()
    if watcher:
        watcher.join()
    return answers, polls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--time-limit", type=float, default=20.0)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--server", choices=["werkzeug", "gunicorn"], default="werkzeug")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes (--server gunicorn).")
    parser.add_argument("--solver-processes", type=int, default=2,
                        help="Solver processes of the planning job (Werkzeug server only).")
    parser.add_argument("--redis", action="store_true", help="With gunicorn: solve on RQ workers, as in production.")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/14", help="An EMPTY Redis database.")
    parser.add_argument("--rq-workers", type=int, default=2)
    parser.add_argument("--rq-nice", type=int, default=0,
                        help="Run the RQ workers under nice -n this (README's production runs them at 0).")
    parser.add_argument("--no-solve", action="store_true", help="Baseline: the same load with no solve running.")
    parser.add_argument("--database-url", default=None,
                        help="An EMPTY database to use (e.g. PostgreSQL); default: a scratch SQLite file.")
    args = parser.parse_args()
    if args.redis and args.server != "gunicorn":
        parser.error("--redis needs --server gunicorn")
    folder = Path(tempfile.mkdtemp(prefix="dispatch-load-"))
    os.environ["DATABASE_URL"] = args.database_url or f"sqlite:///{folder / 'load.db'}"
    os.environ.pop("REDIS_URL", None)
    if args.server == "gunicorn":   # every gunicorn worker (and RQ worker) must sign the same sessions
        os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(48))
    app = create_app(Config(folder), instance_path=folder)
    app.config["JOBS_INLINE"] = False
    app.config["PLANNING_WORKERS"] = args.solver_processes
    with app.app_context():
        flask_migrate.upgrade()
        demo.load_demo(db.session)
        busy = demo.load_busy_day(db.session, dt.datetime.now(dt.timezone.utc), ZoneInfo(app.config["COALITION_TIMEZONE"]))
        db.session.commit()
        db.session.remove()
    if args.server == "gunicorn":
        children, redis = _start_production(args, folder)
        base = children[0].base
        stop = lambda: _stop_production(children, redis)   # noqa: E731
    else:
        server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_Quiet)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_port}"
        stop = server.shutdown
    try:
        _measure(args, base, busy)
    finally:
        stop()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _start_production(args, folder: Path):
    """Start gunicorn (and with ``--redis`` the RQ workers) on the script's database; wait until it answers.
    Returns (the processes, gunicorn first with its ``base`` URL; the Redis client or None)."""
    env = dict(os.environ, UPLOAD_FOLDER=str(folder / "uploads"), PYTHONPATH=str(ROOT))
    bin_dir = Path(sys.executable).parent
    redis = None
    if args.redis:
        from redis import Redis

        redis = Redis.from_url(args.redis_url)
        if redis.dbsize():
            raise SystemExit(f"{args.redis_url} is not empty: give an unused Redis database with --redis-url")
        env["REDIS_URL"] = args.redis_url
    port = _free_port()
    gunicorn = subprocess.Popen([str(bin_dir / "gunicorn"), "--workers", str(args.workers), "--bind",
                                 f"127.0.0.1:{port}", "--log-level", "warning", "wsgi:app"], cwd=ROOT, env=env)
    gunicorn.base = f"http://127.0.0.1:{port}"
    children = [gunicorn]
    for _ in range(args.rq_workers if args.redis else 0):
        nice = ["nice", "-n", str(args.rq_nice)] if args.rq_nice else []
        children.append(subprocess.Popen([*nice, str(bin_dir / "rq"), "worker", "coalition", "--url", args.redis_url,
                                          "--quiet"], cwd=ROOT, env=env))
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"{gunicorn.base}/signin").read()
            return children, redis
        except (urllib.error.URLError, ConnectionError):
            if gunicorn.poll() is not None or time.monotonic() > deadline:
                _stop_production(children, redis)
                raise SystemExit("gunicorn did not start")
            time.sleep(0.3)


def _stop_production(children, redis) -> None:
    for child in children:
        child.terminate()
    for child in children:
        try:
            child.wait(30)
        except subprocess.TimeoutExpired:
            child.kill()
    if redis is not None:
        keys = list(redis.scan_iter("rq:*"))
        if keys:
            redis.delete(*keys)


def _measure(args, base: str, busy) -> None:
    coordinator = _sign_in(base)
    page = coordinator.open(f"{base}/planning/?date={busy.day}").read().decode()
    form = urllib.parse.urlencode({"csrf_token": _token(page), "date": busy.day.isoformat(),
                                   "time_limit": str(int(args.time_limit))}).encode()
    status_url = None
    if not args.no_solve:
        answer = coordinator.open(f"{base}/planning/plan", form)
        status_url = answer.geturl().rstrip("/") + "/status"
        time.sleep(1.0)   # let the job thread start its solver processes

    load_average = os.getloadavg()
    started = time.perf_counter()
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        answers, polls = pool.apply(_load, (base, args.threads, args.requests // args.threads, status_url))
    load_s = time.perf_counter() - started
    timings = sorted(seconds for _page, seconds, _code in answers)
    by_page: dict[str, list[float]] = {page: [] for page in PAGES}
    for page, seconds, _code in answers:
        by_page[page].append(seconds)
    still = final = {"done": True, "status": "-", "message": "no solve (baseline)"}
    if status_url:
        still = json.loads(coordinator.open(status_url).read())
        while not json.loads(coordinator.open(status_url).read())["done"]:
            time.sleep(1)
        final = json.loads(coordinator.open(status_url).read())
    p50 = statistics.median(timings) * 1000
    p95 = timings[int(len(timings) * 0.95) - 1] * 1000
    print(f"{len(timings)} page requests from {args.threads} threads in {load_s:.1f} s while the solve ran "
          f"(solve still running at the end of the load: {not still['done']})")
    print(f"p50 {p50:.0f} ms, p95 {p95:.0f} ms (target p95 < 200 ms): {'PASS' if p95 < 200 else 'FAIL'}")
    for page, values in by_page.items():
        values.sort()
        print(f"  {page:<18} median {statistics.median(values) * 1000:.0f} ms, "
              f"p95 {values[max(0, int(len(values) * 0.95) - 1)] * 1000:.0f} ms, max {values[-1] * 1000:.0f} ms")
    if polls:
        poll_s = sorted(seconds for seconds, _code in polls)
        print(f"  status polls       {len(polls)}, median {statistics.median(poll_s) * 1000:.0f} ms, "
              f"max {poll_s[-1] * 1000:.0f} ms")
    failed = Counter(code for _page, _s, code in answers if code != 200) + Counter(c for _s, c in polls if c != 200)
    print(f"answers other than 200: {dict(failed) or 'none'}")
    print(f"machine load average (1 min) before/after the load: {load_average[0]:.1f}/{os.getloadavg()[0]:.1f} "
          f"on {os.cpu_count()} CPUs")
    print(f"plan: {final['status']}: {final['message']}")


if __name__ == "__main__":
    main()
