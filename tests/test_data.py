"""Datasets: the bundled digits split, IDX parsing, and the download path.

There is no internet in CI, so the download path is tested for real against a local
HTTP server on 127.0.0.1 serving IDX files made here, with a checksum table of their
own: a good download, a mirror that fails, a tampered file, a transfer cut short, and a
cached file changed after the fact.
"""

from __future__ import annotations

import gzip
import hashlib
import http.server
import re
import threading
from pathlib import Path

import numpy as np
import pytest

from trainers import data
from trainers.data import DataFile, Dataset


def idx_bytes(array: np.ndarray, code: int = 0x08) -> bytes:
    """Raw IDX: two zero bytes, a type code, the number of dimensions, the dimensions."""
    header = bytes([0, 0, code, array.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    return header + array.astype(">u1" if code == 0x08 else ">i4").tobytes()


# ----------------------------------------------------------------------------- IDX parsing


def test_parse_idx_round_trip_gzip_and_plain():
    images = np.random.default_rng(0).integers(0, 256, size=(7, 28, 28), dtype=np.uint8)
    labels = np.arange(7, dtype=np.uint8)
    assert np.array_equal(data.parse_idx(gzip.compress(idx_bytes(images)), ndim=3), images)
    assert np.array_equal(data.parse_idx(idx_bytes(labels), ndim=1), labels)
    ints = np.array([[1, -2], [3, 400000]], dtype=np.int32)
    assert np.array_equal(data.parse_idx(idx_bytes(ints, 0x0C)), ints)


@pytest.mark.parametrize(
    "raw, message",
    [
        (b"PK\x03\x04 not idx at all", "not an IDX file"),
        (b"", "not an IDX file"),
        (bytes([0, 0, 0x08, 1]) + (5).to_bytes(4, "big") + b"abc", "found 3 bytes"),  # truncated data
        (bytes([0, 0, 0x08, 2]) + (5).to_bytes(4, "big"), "truncated header"),
        (b"\x1f\x8b\x08\x00garbage", "damaged gzip"),
    ],
)
def test_parse_idx_rejects_what_is_not_idx(raw, message):
    with pytest.raises(data.IDXFormatError, match=message):
        data.parse_idx(raw, "x.gz")


def test_parse_idx_checks_the_number_of_dimensions():
    with pytest.raises(data.IDXFormatError, match="expected 3 dimensions"):
        data.parse_idx(idx_bytes(np.zeros(4, dtype=np.uint8)), "labels.gz", ndim=3)


# ----------------------------------------------------------------------------- digits


def test_digits_split_shapes_ranges_and_classes():
    s = data.load("digits", seed=0)
    assert len(s.x_train) + len(s.x_val) + len(s.x_test) == 1797
    assert s.n_features == 64 and s.n_classes == 10
    for x, y in ((s.x_train, s.y_train), (s.x_val, s.y_val), (s.x_test, s.y_test)):
        assert x.dtype == np.float32 and y.dtype == np.int32
        assert x.min() >= 0 and x.max() <= 1
        assert set(np.unique(y)) == set(range(10))  # stratified: every class in every part
    assert abs(len(s.x_test) / 1797 - 0.2) < 0.01
    assert abs(len(s.x_val) / (len(s.x_train) + len(s.x_val)) - 0.1) < 0.01


def test_digits_test_set_is_fixed_and_validation_follows_the_seed():
    a, b, c = data.load("digits", seed=0), data.load("digits", seed=0), data.load("digits", seed=1)
    assert np.array_equal(a.x_val, b.x_val) and np.array_equal(a.x_train, b.x_train)
    assert np.array_equal(a.x_test, c.x_test)  # fixed, like MNIST's t10k
    assert not np.array_equal(a.x_val, c.x_val)


def test_digits_reads_the_same_numbers_as_sklearn():
    from sklearn.datasets import load_digits

    pixels, labels = data._digits_arrays()
    reference = load_digits()
    assert np.array_equal(pixels, reference.data) and np.array_equal(labels, reference.target)


def test_stratified_holdout_is_a_partition():
    labels = np.repeat(np.arange(10), 30)
    kept, held = data.stratified_holdout(labels, 0.2, seed=3)
    assert len(np.intersect1d(kept, held)) == 0 and len(kept) + len(held) == len(labels)
    assert all((labels[held] == c).sum() == 6 for c in range(10))


def test_batches_cover_every_sample_once_per_epoch_and_reshuffle():
    first = list(data.batches(100, 32, seed=5, epoch=0))
    assert [len(b) for b in first] == [32, 32, 32, 4]
    assert np.array_equal(np.sort(np.concatenate(first)), np.arange(100))
    again = list(data.batches(100, 32, seed=5, epoch=0))
    assert all(np.array_equal(x, y) for x, y in zip(first, again))
    assert not np.array_equal(np.concatenate(first), np.concatenate(list(data.batches(100, 32, seed=5, epoch=1))))
    assert not np.array_equal(np.concatenate(first), np.concatenate(list(data.batches(100, 32, seed=6, epoch=0))))


def test_val_fraction_is_checked():
    with pytest.raises(ValueError, match="val_fraction"):
        data.load("digits", 0, val_fraction=1.5)


# ----------------------------------------------------------------------------- the table and the cache


def test_the_real_table_is_complete():
    assert data.DATASETS["digits"].bundled
    for name in ("mnist", "fashion-mnist"):
        ds = data.DATASETS[name]
        assert [f.name for f in ds.files] == list(data._IDX_NAMES)
        for f in ds.files:
            assert re.fullmatch(r"[0-9a-f]{64}", f.sha256) and re.fullmatch(r"[0-9a-f]{32}", f.md5)
            assert f.size > 0 and f.urls and all(u.endswith(f.name) for u in f.urls)
    assert 11_000_000 < data.DATASETS["mnist"].size < 12_000_000


def test_configs_offer_exactly_the_known_datasets():
    from typing import get_args

    from trainers.configs import DatasetName

    assert set(get_args(DatasetName)) == set(data.DATASETS)


def test_cache_dir_follows_tutor_data(monkeypatch, tmp_path):
    monkeypatch.setenv("TUTOR_DATA", str(tmp_path / "d"))
    assert data.cache_dir() == tmp_path / "d"
    monkeypatch.setenv("TUTOR_DATA", "  ")
    assert data.cache_dir().parts[-2:] == ("tutor", "data")


def test_missing_download_names_the_command(monkeypatch, tmp_path):
    monkeypatch.setenv("TUTOR_DATA", str(tmp_path))
    assert not data.is_cached("mnist") and data.is_cached("digits")
    with pytest.raises(data.DatasetNotCached, match="tutor data fetch mnist"):
        data.load("mnist", 0)


def test_unknown_dataset_lists_the_known_ones():
    with pytest.raises(data.UnknownDataset, match="known: digits, fashion-mnist, mnist"):
        data.load("cifar", 0)


# ----------------------------------------------------------------------------- downloads, for real, from 127.0.0.1


class Server:
    """A tiny HTTP server in a thread: `files` maps a path to bytes; `cut` maps a path to
    bytes sent before the connection drops (with the full Content-Length announced)."""

    def __init__(self):
        self.files: dict[str, bytes] = {}
        self.cut: dict[str, tuple[bytes, int]] = {}
        self.requests: list[str] = []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                server.requests.append(self.path)
                if self.path in server.cut:
                    sent, announced = server.cut[self.path]
                    self.send_response(200)
                    self.send_header("Content-Length", str(announced))
                    self.end_headers()
                    self.wfile.write(sent)
                    self.wfile.flush()
                    self.close_connection = True
                    return
                body = server.files.get(self.path)
                if body is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server(monkeypatch, tmp_path):
    monkeypatch.setenv("TUTOR_DATA", str(tmp_path / "cache"))
    for var in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    s = Server()
    yield s
    s.close()


def tiny_idx_set(seed: int = 0):
    """A small MNIST-shaped set: 40 train and 20 test images of 28x28, labels 0-9."""
    rng = np.random.default_rng(seed)
    arrays = {
        "train-images-idx3-ubyte.gz": rng.integers(0, 256, size=(40, 28, 28), dtype=np.uint8),
        "train-labels-idx1-ubyte.gz": np.tile(np.arange(10, dtype=np.uint8), 4),
        "t10k-images-idx3-ubyte.gz": rng.integers(0, 256, size=(20, 28, 28), dtype=np.uint8),
        "t10k-labels-idx1-ubyte.gz": np.tile(np.arange(10, dtype=np.uint8), 2),
    }
    return arrays, {name: gzip.compress(idx_bytes(a), mtime=0) for name, a in arrays.items()}


def table_for(server: Server, blobs: dict[str, bytes], mirrors=("/a/",)) -> dict[str, Dataset]:
    files = tuple(
        DataFile(name, len(blob), hashlib.sha256(blob).hexdigest(), tuple(server.base + m + name for m in mirrors))
        for name, blob in blobs.items()
    )
    return {"tiny": Dataset("tiny", {"zh": "小", "en": "tiny"}, tuple(str(d) for d in range(10)), files)}


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_fetch_downloads_verifies_and_loads(server):
    arrays, blobs = tiny_idx_set()
    for name, blob in blobs.items():
        server.files["/a/" + name] = blob
    table = table_for(server, blobs)
    assert not data.is_cached("tiny", table)
    with pytest.raises(data.DatasetNotCached, match="tutor data fetch tiny"):
        data.load("tiny", 0, table=table)

    seen: dict[str, tuple[int, int]] = {}
    folder = data.fetch("tiny", progress=lambda f, done, total: seen.__setitem__(f, (done, total)), table=table)
    assert folder == data.cache_dir() / "tiny"
    assert leftovers(folder) == sorted(blobs)  # no temporary files left behind
    assert {f: v for f, v in seen.items()} == {name: (len(b), len(b)) for name, b in blobs.items()}
    assert data.is_cached("tiny", table)

    s = data.load("tiny", seed=0, val_fraction=0.25, table=table)
    assert (len(s.x_train), len(s.x_val), len(s.x_test)) == (30, 10, 20)
    assert s.n_features == 784 and s.x_train.dtype == np.float32 and s.x_train.max() <= 1
    assert np.allclose(np.sort(s.x_test[0]), np.sort(arrays["t10k-images-idx3-ubyte.gz"][0].ravel() / 255.0))

    before = len(server.requests)
    data.fetch("tiny", table=table)  # intact files are kept, not downloaded again
    assert len(server.requests) == before


def test_fetch_falls_back_to_the_next_mirror(server):
    _, blobs = tiny_idx_set()
    for name, blob in blobs.items():
        server.files["/b/" + name] = blob  # /a/ answers 404
    table = table_for(server, blobs, mirrors=("/a/", "/b/"))
    data.fetch("tiny", table=table)
    assert data.is_cached("tiny", table)
    assert any(r.startswith("/a/") for r in server.requests) and any(r.startswith("/b/") for r in server.requests)


def test_tampered_download_is_rejected_and_removed(server):
    _, blobs = tiny_idx_set()
    table = table_for(server, blobs)
    for name, blob in blobs.items():
        server.files["/a/" + name] = blob
    tampered = bytearray(blobs["train-labels-idx1-ubyte.gz"])
    tampered[-9] ^= 0xFF
    server.files["/a/train-labels-idx1-ubyte.gz"] = bytes(tampered)
    with pytest.raises(data.FetchFailed, match="train-labels-idx1-ubyte.gz") as err:
        data.fetch("tiny", table=table)
    assert "hash" in str(err.value).lower()
    folder = data.cache_dir() / "tiny"
    assert "train-labels-idx1-ubyte.gz" not in leftovers(folder)
    assert all(name in blobs for name in leftovers(folder))  # and no temporary file
    assert not data.is_cached("tiny", table)


def test_transfer_cut_short_leaves_nothing(server):
    _, blobs = tiny_idx_set()
    table = table_for(server, blobs)
    for name, blob in blobs.items():
        server.files["/a/" + name] = blob
    big = blobs["train-images-idx3-ubyte.gz"]
    server.cut["/a/train-images-idx3-ubyte.gz"] = (big[: len(big) // 2], len(big))
    with pytest.raises(data.FetchFailed, match="train-images-idx3-ubyte.gz"):
        data.fetch("tiny", table=table)
    assert leftovers(data.cache_dir() / "tiny") == []  # the first file failed: nothing at all


def test_damaged_cached_file_is_removed_on_load_and_fetched_again(server):
    _, blobs = tiny_idx_set()
    for name, blob in blobs.items():
        server.files["/a/" + name] = blob
    table = table_for(server, blobs)
    folder = data.fetch("tiny", table=table)
    target = folder / "t10k-images-idx3-ubyte.gz"
    damaged = bytearray(target.read_bytes())
    damaged[100] ^= 0x01  # same size: only the checksum can tell
    target.write_bytes(bytes(damaged))
    assert data.is_cached("tiny", table)  # the cheap check sees the right size
    with pytest.raises(data.DatasetNotCached, match="failed its SHA-256 check.*tutor data fetch tiny"):
        data.load("tiny", 0, table=table)
    assert not target.exists()
    data.fetch("tiny", table=table)
    assert data.load("tiny", 0, table=table).x_test.shape == (20, 784)


def test_describe_and_remove(server):
    _, blobs = tiny_idx_set()
    for name, blob in blobs.items():
        server.files["/a/" + name] = blob
    table = table_for(server, blobs)
    data.fetch("tiny", table=table)
    (row,) = data.describe(table)
    assert row["cached"] and row["size_bytes"] == sum(len(b) for b in blobs.values())
    assert data.remove("tiny", table) == row["size_bytes"]
    assert not data.is_cached("tiny", table)
