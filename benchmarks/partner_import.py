"""Benchmark: import 1,000 partners from a CSV with every address geocoded from the cache.

Target: under 10 s. Usage::

    .venv/bin/python benchmarks/partner_import.py [--rows 1000] [--runs 3]

Builds a scratch SQLite database with the demo coalition, writes a CSV of ROWS new partners
(addresses only, no coordinates, each with an admin_email), and warms the geocode cache by
previewing the file once against a stand-in Nominatim on a loopback port (the same HTTP path
a real geocoder takes). Each run then copies that database and times ``flask partners import``
(preview from the cache, create every partner, invite every admin, commit) and a second import
of the same file (every row an update). Prints the median of the runs.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import re
import shutil
import statistics
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import flask_migrate

from coalition import create_app
from coalition.config import Config
from coalition.extensions import db
from coalition.services import demo, geocoding, partner_import

ADDRESS = re.compile(r"^(\d+) Bench Street, Portland, OR$")
KINDS = ("grocery", "farm", "food_bank", "shelter")


class _Nominatim(BaseHTTPRequestHandler):
    """Answers "N Bench Street, Portland, OR" with a point on a grid over Portland, as Nominatim's JSON."""

    def do_GET(self) -> None:  # noqa: N802
        query = parse_qs(urlsplit(self.path).query).get("q", [""])[0]
        found = ADDRESS.match(query)
        rows = []
        if found:
            n = int(found.group(1))
            rows = [{"lat": f"{45.45 + (n % 40) * 0.004:.6f}", "lon": f"{-122.75 + (n // 40) * 0.006:.6f}",
                     "display_name": query, "place_id": n}]
        body = json.dumps(rows).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


def write_csv(path: Path, rows: int) -> None:
    lines = [",".join(partner_import.COLUMNS)]
    for n in range(1, rows + 1):
        lines.append(f"Bench Partner {n:04d},{KINDS[n % 4]},\"{n} Bench Street, Portland, OR\",,,503-555-{n % 10000:04d},"
                     f"admin{n:04d}@bench.example,08:00-17:00,08:00-17:00,08:00-17:00,08:00-17:00,08:00-12:00,,closed")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def make_app(database: Path, folder: Path):
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    return create_app(Config(folder), instance_path=folder)


def warm_database(folder: Path, csv_path: Path, geocoder_url: str) -> Path:
    """A migrated database with the demo coalition and the geocoder's answer for every row cached."""
    database = folder / "warm.db"
    app = make_app(database, folder)
    app.config.update(GEOCODER_URL=geocoder_url, GEOCODER_MIN_DELAY_S=0.0)
    with app.app_context():
        flask_migrate.upgrade()
        demo.load_demo(db.session)
        db.session.commit()
        settings = geocoding.GeocoderSettings.from_config(app.config)
        preview = partner_import.preview_import(db.session, settings, csv_path.read_text(encoding="utf-8"))
        db.session.commit()
        assert preview.ok, [row.problems for row in preview.rows if row.problems][:3]
        db.session.remove()
        db.engine.dispose()
    return database


def timed_import(app, csv_path: Path) -> tuple[float, float, str]:
    """Wall and CPU seconds of one ``flask partners import``, and its last line. CPU time is reported too
    because on a shared machine the wall time mostly measures the other processes."""
    runner = app.test_cli_runner()
    started, cpu_started = time.perf_counter(), time.process_time()
    result = runner.invoke(args=["partners", "import", str(csv_path)])
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    last = result.output.strip().splitlines()[-1]
    assert result.exit_code == 0, result.output[-2000:]
    return elapsed, cpu, last


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    logging.getLogger("coalition").setLevel(logging.WARNING)  # 1,000 logged invitation e-mails are not the figure
    folder = Path(tempfile.mkdtemp(prefix="partner-import-bench-"))
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Nominatim)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        csv_path = folder / "partners.csv"
        write_csv(csv_path, args.rows)
        started = time.perf_counter()
        warm = warm_database(folder, csv_path, f"http://127.0.0.1:{server.server_address[1]}")
        print(f"warmed the geocode cache with {args.rows} addresses in {time.perf_counter() - started:.1f} s")
    finally:
        server.shutdown()
        server.server_close()
    first, again, first_cpu, again_cpu = [], [], [], []
    for run in range(args.runs):
        database = folder / f"run{run}.db"
        shutil.copyfile(warm, database)
        app = make_app(database, folder)  # GEOCODER_URL unset: every address must come from the cache
        with app.app_context():
            elapsed, cpu, last = timed_import(app, csv_path)
            first.append(elapsed)
            first_cpu.append(cpu)
            print(f"run {run + 1}: new partners {elapsed:.2f} s, CPU {cpu:.2f} s ({last})", end="; ")
            elapsed, cpu, last = timed_import(app, csv_path)
            again.append(elapsed)
            again_cpu.append(cpu)
            print(f"same file again {elapsed:.2f} s, CPU {cpu:.2f} s ({last})")
            db.session.remove()
            db.engine.dispose()
    print(f"median of {args.runs} runs, {args.rows} rows from the cache: import {statistics.median(first):.2f} s "
          f"(CPU {statistics.median(first_cpu):.2f} s), re-import {statistics.median(again):.2f} s "
          f"(CPU {statistics.median(again_cpu):.2f} s); target: under 10 s")
    shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
