import pytest

from labs.sandbox import Limits, SandboxUnavailable, get_backend

SMALL = Limits(
    wall_seconds=60,
    cpu_seconds=10,
    memory_bytes=512 * 1024 * 1024,
    processes=32,
    file_size_bytes=4 * 1024 * 1024,
    open_files=64,
    output_bytes=64 * 1024,
    workspace_bytes=16 * 1024 * 1024,
    tmp_bytes=8 * 1024 * 1024,
)


@pytest.fixture
def small():
    return SMALL


@pytest.fixture(scope="session")
def backend():
    backend = get_backend("bwrap")
    try:
        backend.check()
    except SandboxUnavailable as e:
        pytest.fail(str(e))  # a containment suite that skips proves nothing: fail loudly
    return backend


@pytest.fixture
def source(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "app.py").write_text("print('hello from the box')\n")
    (src / "pkg").mkdir()
    (src / "pkg" / "data.txt").write_text("data\n")
    return src


@pytest.fixture
def box(backend, source, small):
    with backend.open(source, limits=small) as box:
        yield box
