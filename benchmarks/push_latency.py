"""Benchmark: a published route change reaches the affected driver's push endpoint within 10 s (median).

Usage::

    .venv/bin/python benchmarks/push_latency.py [--runs 7]

The embedded default: a scratch SQLite database with the demo, the app on a threaded Werkzeug server on
127.0.0.1, no Redis (jobs run in a thread of the server's process), VAPID keys made for the run, no periodic
worker running. driver@ has one browser subscribed whose push service is a loopback HTTP server. Each run
puts a published plan and a changed ready plan (one more pickup and drop-off) of a day of its own in the
database, signs in as the coordinator, POSTs "Publish" through the page (urllib) and waits for the push
service to receive the driver's encrypted message. Prints each run's seconds from sending the POST to the
push arriving, and the request's own duration (the push is sent after the answer, in the background), then
their medians.
"""
from __future__ import annotations

import argparse
import datetime as dt
import http.cookiejar
import os
import re
import secrets
import statistics
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import flask_migrate  # noqa: E402
from werkzeug.serving import WSGIRequestHandler, make_server  # noqa: E402

from coalition import create_app  # noqa: E402
from coalition.config import Config  # noqa: E402
from coalition.extensions import db  # noqa: E402
from coalition.models import PlanStatus, PushSubscription  # noqa: E402
from coalition.services import demo  # noqa: E402
from tests.fixtures import driving as f  # noqa: E402  (the route factories the driver tests use)
from tests.fixtures.push_service import browser_keys, vapid_keys  # noqa: E402

TARGET_S = 10.0
TIMEOUT_S = 60.0


class _Quiet(WSGIRequestHandler):
    def log_request(self, *args, **kwargs):
        pass


class PushService:
    """A loopback push service noting when each POST arrived (monotonic seconds), by path."""

    def __init__(self):
        self.arrived: dict[str, list[float]] = {}
        self.condition = threading.Condition()
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's naming)
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with service.condition:
                    service.arrived.setdefault(self.path, []).append(time.monotonic())
                    service.condition.notify_all()
                self.send_response(201)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *_args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait(self, path: str, count: int, timeout_s: float) -> float | None:
        """The arrival time of the ``count``-th message on ``path``, or None after ``timeout_s``."""
        with self.condition:
            self.condition.wait_for(lambda: len(self.arrived.get(path, [])) >= count, timeout_s)
            times = self.arrived.get(path, [])
            return times[count - 1] if len(times) >= count else None


def _token(html: str) -> str:
    return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html).group(1)


class _Stay(urllib.request.HTTPRedirectHandler):
    """Do not follow the publish's redirect: the request is timed to its own answer."""

    def redirect_request(self, *args, **kwargs):
        return None


def _sign_in(base: str, email: str):
    """(an opener that follows redirects, one that does not), both signed in as ``email``."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    token = _token(opener.open(f"{base}/signin").read().decode())
    data = urllib.parse.urlencode({"email": email, "password": demo.DEMO_PASSWORD, "csrf_token": token}).encode()
    opener.open(f"{base}/signin", data=data).read()
    return opener, urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _Stay())


def _post(opener, url: str, data: dict) -> int:
    try:
        with opener.open(url, data=urllib.parse.urlencode(data).encode()) as response:
            return response.status
    except urllib.error.HTTPError as answer:   # the redirect after publishing, not followed
        answer.close()
        return answer.code


def _changed_day(app, offset_days: int) -> int:
    """A published plan for driver@ and a ready one with a stop more, on a day of their own: the ready plan's id."""
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    with app.app_context():
        session = db.session
        day = f.local_today(now) + dt.timedelta(days=offset_days)
        first = f.make_claim(session, now)
        f.make_route(session, now, claims=[first], local_date=day)
        ready = f.make_route(session, now, claims=[first, f.make_claim(session, now)], status=PlanStatus.READY,
                             local_date=day)
        session.commit()
        plan_id = ready.plan_id
        db.session.remove()
    return plan_id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="push-latency-"))
    public, private = vapid_keys()
    os.environ.update(DATABASE_URL=f"sqlite:///{folder / 'push.db'}", VAPID_PUBLIC_KEY=public,
                      VAPID_PRIVATE_KEY=private, VAPID_SUBJECT="mailto:bench@example.org",
                      BASE_URL="http://127.0.0.1", SECRET_KEY=secrets.token_urlsafe(48))
    os.environ.pop("REDIS_URL", None)
    app = create_app(Config(folder), instance_path=folder)
    push_service = PushService()
    keys = browser_keys()
    with app.app_context():
        flask_migrate.upgrade(directory=str(ROOT / "migrations"))
        demo.load_demo(db.session)
        driver = f.user(db.session, "driver@example.org")
        db.session.add(PushSubscription(user_id=driver.id, endpoint=f"{push_service.url}/push/driver",
                                        p256dh=keys.p256dh, auth=keys.auth, user_agent="Benchmark phone"))
        db.session.commit()
        db.session.remove()

    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    coordinator, staying = _sign_in(base, "coordinator@example.org")
    latencies, requests = [], []
    try:
        for run in range(1, args.runs + 1):
            plan_id = _changed_day(app, 2 + run)
            token = _token(coordinator.open(f"{base}/planning/").read().decode())
            sent = time.monotonic()
            status = _post(staying, f"{base}/planning/plans/{plan_id}/publish", {"csrf_token": token})
            answered = time.monotonic()
            if status not in (302, 303):
                sys.exit(f"run {run}: publishing answered {status}")
            arrived = push_service.wait("/push/driver", run, TIMEOUT_S)
            if arrived is None:
                print(f"run {run}: no push within {TIMEOUT_S:.0f} s")
                continue
            latencies.append(arrived - sent)
            requests.append(answered - sent)
            print(f"run {run}: push after {arrived - sent:.3f} s (publish answered in {answered - sent:.3f} s)")
    finally:
        server.shutdown()
        push_service.server.shutdown()
    if not latencies:
        sys.exit("no push arrived")
    median = statistics.median(latencies)
    print(f"median publish -> push arrived: {median:.3f} s over {len(latencies)} runs "
          f"(target <= {TARGET_S:.0f} s: {'met' if median <= TARGET_S else 'MISSED'}); "
          f"median publish request: {statistics.median(requests):.3f} s")


if __name__ == "__main__":
    main()
