"""gunicorn.conf.py: sizes from the environment, and Prometheus' multiprocess directory set up,
emptied at start and told when a worker dies."""

import importlib.util
import os
from pathlib import Path
from types import SimpleNamespace

import pytest

CONF = Path(__file__).resolve().parents[2] / "gunicorn.conf.py"


def load(monkeypatch, **env):
    for key in ("GUNICORN_WORKERS", "WEB_CONCURRENCY", "GUNICORN_THREADS", "GUNICORN_BIND"):
        monkeypatch.delenv(key, raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    spec = importlib.util.spec_from_file_location("gunicorn_conf_under_test", CONF)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_defaults_and_environment(monkeypatch, tmp_path):
    conf = load(monkeypatch, PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "prom"))
    assert conf.workers == 2 * (os.cpu_count() or 2)
    assert (conf.threads, conf.worker_class) == (4, "gthread")
    assert conf.bind == "127.0.0.1:8000"
    conf = load(
        monkeypatch,
        PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "prom"),
        GUNICORN_WORKERS="3",
        GUNICORN_THREADS="1",
        GUNICORN_BIND="0.0.0.0:9000",
    )
    assert (conf.workers, conf.threads, conf.worker_class, conf.bind) == (
        3,
        1,
        "sync",
        "0.0.0.0:9000",
    )


def server(bind="127.0.0.1:8000"):
    log = SimpleNamespace(info=lambda *a: None)
    return SimpleNamespace(log=log, cfg=SimpleNamespace(bind=[bind]))


def test_each_listening_address_gets_its_own_directory_when_none_is_given(monkeypatch):
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
    conf = load(monkeypatch)
    conf.on_starting(server("127.0.0.1:8123"))
    chosen = os.environ["PROMETHEUS_MULTIPROC_DIR"]
    assert chosen.endswith("ticketing-prometheus-web-127.0.0.1_8123")
    assert os.path.isdir(chosen)
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR")
    conf.on_starting(server("unix:/run/shop.sock"))
    assert os.environ["PROMETHEUS_MULTIPROC_DIR"] != chosen


def test_start_empties_the_directory_and_a_dead_worker_is_marked(monkeypatch, tmp_path):
    directory = tmp_path / "prom"
    conf = load(monkeypatch, PROMETHEUS_MULTIPROC_DIR=str(directory))
    directory.mkdir()
    (directory / "counter_111.db").write_bytes(b"old run")
    (directory / "gauge_livesum_222.db").write_bytes(b"old run")
    (directory / "keep.txt").write_text("not ours")
    conf.on_starting(server())
    assert sorted(p.name for p in directory.iterdir()) == ["keep.txt"]

    (directory / "gauge_livesum_333.db").write_bytes(b"")
    (directory / "gauge_livesum_444.db").write_bytes(b"")
    conf.child_exit(server(), SimpleNamespace(pid=333))
    assert not (directory / "gauge_livesum_333.db").exists()
    assert (directory / "gauge_livesum_444.db").exists()


@pytest.fixture(autouse=True)
def _restore_env(monkeypatch):
    # on_starting sets PROMETHEUS_MULTIPROC_DIR when it is unset: never let it leak into the
    # test process, whose /metrics view would then read an empty directory.
    original = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    yield
    if original is None:
        os.environ.pop("PROMETHEUS_MULTIPROC_DIR", None)
    else:
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = original
