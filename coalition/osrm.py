"""The OSRM road-network server on this machine: its official binaries, a prepared extract, a running ``osrm-routed``.

The binaries come from the ``osrm-bindings`` wheel on PyPI (its ``osrm/bin`` and the ``car.lua`` profile of
``osrm/share``): downloaded once with pip, unpacked into the cache folder, never installed into the
environment (the wheel is for Python 3.12, abi3, and its Python part is not used). The test extract,
Monaco, is the ``test/data/monaco.osm.pbf`` of the same package's source distribution.

The cache folder is ``OSRM_CACHE_DIR``, else ``~/.cache/feeding-our-city/osrm``: outside the repository, kept
between runs. Standard library only, so the test fixtures and the benchmarks use it without the web app.
Everything here raises :class:`OsrmSetupError` with what failed and how to do it by hand.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import socket
import subprocess
import sys
import tarfile
import time
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

PACKAGE = "osrm-bindings"
VERSION = "26.10.0"     # the release whose binaries were checked to run on this kind of machine
TOOLS = ("osrm-extract", "osrm-partition", "osrm-customize", "osrm-routed")


class OsrmSetupError(RuntimeError):
    """The OSRM binaries, an extract or the server could not be set up."""


def cache_dir() -> Path:
    return Path(os.environ.get("OSRM_CACHE_DIR") or Path.home() / ".cache" / "feeding-our-city" / "osrm")


def _run(args: list[str], what: str, cwd: Path | None = None, timeout_s: float = 1800) -> None:
    done = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=timeout_s)
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-5:]
        raise OsrmSetupError(f"{what} failed (exit {done.returncode}): {' | '.join(tail)}\n  command: {' '.join(args)}")


def _pip_download(args: list[str], into: Path) -> Path:
    """The one file ``pip download`` leaves in ``into`` (kept: the next call finds it there)."""
    found = sorted(into.glob("osrm_bindings-*"))
    if found:
        return found[0]
    into.mkdir(parents=True, exist_ok=True)
    _run([sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "-d", str(into), *args,
          f"{PACKAGE}=={VERSION}"], f"pip download of {PACKAGE} {VERSION}")
    found = sorted(into.glob("osrm_bindings-*"))
    if not found:
        raise OsrmSetupError(f"pip download of {PACKAGE} {VERSION} left nothing in {into}")
    return found[0]


def install_dir() -> Path:
    """The folder holding ``bin/`` and ``share/`` of the OSRM release, fetched and unpacked on first use.

    ``OSRM_BIN_DIR`` (a folder with the four tools, e.g. a system install) skips the download;
    then the profile is looked for in ``../share/osrm/profiles`` or ``OSRM_PROFILE``.
    """
    root = cache_dir() / VERSION / "osrm"
    if all((root / "bin" / tool).exists() for tool in TOOLS):
        return root
    # The wheel is tagged cp312-abi3; its binaries do not depend on the Python that fetches them.
    wheel = _pip_download(["--only-binary=:all:", "--python-version", "3.12"], cache_dir() / "downloads" / "wheel")
    staging = root.parent / "unpacking"
    shutil.rmtree(staging, ignore_errors=True)
    with zipfile.ZipFile(wheel) as archive:
        members = [m for m in archive.namelist() if m.startswith(("osrm/bin/", "osrm/share/")) and not m.endswith("/")]
        for member in members:
            archive.extract(member, staging)
    for tool in (staging / "osrm" / "bin").iterdir():
        tool.chmod(0o755)
    shutil.rmtree(root, ignore_errors=True)
    (staging / "osrm").rename(root)
    staging.rmdir()
    return root


def tool(name: str) -> Path:
    """The path of one OSRM tool (``osrm-routed`` ...)."""
    own = os.environ.get("OSRM_BIN_DIR")
    return Path(own) / name if own else install_dir() / "bin" / name


def car_profile() -> Path:
    own = os.environ.get("OSRM_PROFILE")
    if own:
        return Path(own)
    if os.environ.get("OSRM_BIN_DIR"):
        return Path(os.environ["OSRM_BIN_DIR"]).parent / "share" / "osrm" / "profiles" / "car.lua"
    return install_dir() / "share" / "profiles" / "car.lua"


def monaco_pbf() -> Path:
    """Monaco's OpenStreetMap extract (1.7 MB), the test network, taken from the source distribution."""
    target = cache_dir() / "monaco.osm.pbf"
    if target.exists():
        return target
    sdist = _pip_download(["--no-binary", PACKAGE], cache_dir() / "downloads" / "sdist")
    with tarfile.open(sdist) as archive:
        member = next((m for m in archive.getmembers() if m.name.endswith("test/data/monaco.osm.pbf")), None)
        if member is None:
            raise OsrmSetupError(f"{sdist.name} has no test/data/monaco.osm.pbf")
        data = archive.extractfile(member).read()
    part = target.with_suffix(".part")
    part.write_bytes(data)
    part.rename(target)
    return target


def file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def prepare(pbf: Path, profile: Path | None = None) -> Path:
    """Prepare an OpenStreetMap extract for the MLD algorithm (extract, partition, customize).

    Cached by the extract's and the profile's SHA-256: a file prepared before is not prepared again.
    Returns the ``.osrm`` base path to give ``osrm-routed``. Raises OsrmSetupError.
    """
    pbf = Path(pbf)
    if not pbf.is_file():
        raise OsrmSetupError(f"no such extract: {pbf}")
    profile = Path(profile) if profile else car_profile()
    key = hashlib.sha256((file_hash(pbf) + file_hash(profile)).encode()).hexdigest()[:16]
    folder = cache_dir() / "data" / key
    base = folder / "region.osrm"
    if (folder / "prepared").exists():
        return base
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    shutil.copyfile(pbf, folder / "region.osm.pbf")
    _run([str(tool("osrm-extract")), "-p", str(profile), "region.osm.pbf"], "osrm-extract", cwd=folder)
    _run([str(tool("osrm-partition")), "region.osrm"], "osrm-partition", cwd=folder)
    _run([str(tool("osrm-customize")), "region.osrm"], "osrm-customize", cwd=folder)
    (folder / "region.osm.pbf").unlink()
    (folder / "prepared").write_text(f"{pbf.name}\n")
    return base


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(base: Path, port: int, max_table_size: int = 100) -> subprocess.Popen:
    """Start ``osrm-routed`` (MLD) on 127.0.0.1:``port`` for a prepared ``base``; returns once it answers.
    The caller stops it (``terminate``). Raises OsrmSetupError when it does not come up within 30 s."""
    server = subprocess.Popen(serve_args(base, port, max_table_size), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise OsrmSetupError(f"osrm-routed exited ({server.returncode}): {server.stderr.read()[-500:]}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/nearest/v1/driving/7.42,43.73", timeout=2):
                return server
        except urllib.error.HTTPError:
            return server       # it answers (an error for a point off its map is still an answer)
        except (urllib.error.URLError, OSError):
            time.sleep(0.1)
    server.terminate()
    raise OsrmSetupError(f"osrm-routed did not answer on port {port} within 30 s")


def serve_args(base: Path, port: int, max_table_size: int = 100) -> list[str]:
    """The command line of ``osrm-routed`` serving ``base`` in the foreground."""
    return [str(tool("osrm-routed")), "--algorithm", "mld", "--ip", "127.0.0.1", "--port", str(port),
            "--max-table-size", str(max_table_size), str(base)]
