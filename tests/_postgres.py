"""A private PostgreSQL 15 cluster (Unix socket only, no network) shared by every test of a session.

Used by the PostGIS cross-check and by the monitoring store's tests (started once, stopped at the
end), and by benchmarks/bench_monitor.py through :func:`private_cluster`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from _system import require

PGBIN = Path("/usr/lib/postgresql/15/bin")


def have_postgis() -> bool:
    return (PGBIN / "initdb").exists() and any(
        Path("/usr/share/postgresql/15/extension").glob("postgis.control")
    )


@dataclass(frozen=True)
class Cluster:
    """A running cluster: its socket folder, and a superuser ``postgres`` without password."""

    sock: Path
    data: Path

    def url(self, dbname: str = "postgres", schema: str | None = None) -> str:
        tail = f"&schema={schema}" if schema else ""
        return f"postgresql://postgres@/{dbname}?host={self.sock}{tail}"

    def connect(self, dbname: str = "postgres"):
        import psycopg

        return psycopg.connect(host=str(self.sock), user="postgres", dbname=dbname, autocommit=True)


def _as_postgres() -> list[str]:
    return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


@contextmanager
def private_cluster() -> Iterator[Cluster]:
    """Start a throw-away cluster in a temporary folder; stop and remove it on leaving."""
    root = Path(tempfile.mkdtemp(prefix="eipgis-pg-"))
    root.chmod(0o755)
    data, sock = root / "data", root / "sock"
    sock.mkdir()
    as_postgres = _as_postgres()
    if as_postgres:
        shutil.chown(root, "postgres", "postgres")
        shutil.chown(sock, "postgres", "postgres")
    try:
        subprocess.run([*as_postgres, str(PGBIN / "initdb"), "-D", str(data), "-U", "postgres",
                        "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"],
                       check=True, capture_output=True)
        subprocess.run([*as_postgres, str(PGBIN / "pg_ctl"), "-D", str(data), "-l", str(root / "log"),
                        "-o", f"-c listen_addresses='' -c unix_socket_directories={sock}", "-w", "start"],
                       check=True, capture_output=True)
        yield Cluster(sock=sock, data=data)
    finally:
        subprocess.run([*as_postgres, str(PGBIN / "pg_ctl"), "-D", str(data), "-m", "immediate",
                        "stop"], capture_output=True, check=False)  # best effort: the server may be down
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[Cluster]:
    require("PostgreSQL 15 with PostGIS", have_postgis(),
            install="apt-get install postgresql postgresql-15-postgis-3")
    pytest.importorskip("psycopg")
    with private_cluster() as cluster:
        yield cluster
