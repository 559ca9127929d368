import shutil
import tempfile
from pathlib import Path

import pytest

from tests.faults.services import POSTGRES_BIN, ThrowawayPostgres, ThrowawayRedis


@pytest.fixture
def own_postgres():
    if POSTGRES_BIN is None:
        pytest.skip("needs PostgreSQL's server binaries (Debian: postgresql)")
    # Not pytest's tmp_path: the postgres user must be able to enter every folder above the cluster.
    folder = Path(tempfile.mkdtemp(prefix="academy-faults-pg-"))
    folder.chmod(0o755)
    postgres = ThrowawayPostgres(folder / "cluster")
    yield postgres
    postgres.destroy()
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def own_redis(tmp_path):
    if shutil.which("redis-server") is None:
        pytest.skip("needs Debian's redis-server")
    redis = ThrowawayRedis(tmp_path)
    yield redis
    redis.stop()
