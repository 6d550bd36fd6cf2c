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
    with pytest.raises(data.UnknownDataset, match="known: cifar10, digits, fashion-mnist, mnist, synthetic-cifar"):
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


# ----------------------------------------------------------------------------- CIFAR-10, binary version


def cifar_bytes(images: np.ndarray, labels: np.ndarray) -> bytes:
    """Records exactly as in the official .bin files: 1 label byte, then the 1,024 red
    values row by row, the 1,024 green, the 1,024 blue (3,073 bytes an image)."""
    planes = images.transpose(0, 3, 1, 2).reshape(len(images), -1)  # (N, 32, 32, 3) -> (N, R|G|B)
    return np.concatenate([labels.astype(np.uint8)[:, None], planes], axis=1).tobytes()


def tiny_cifar_set(seed: int = 0, per_file: int = 10) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """(images, labels) per .bin file: data_batch_1..5 and test_batch, `per_file` each."""
    rng = np.random.default_rng(seed)
    return {
        name: (rng.integers(0, 256, size=(per_file, 32, 32, 3), dtype=np.uint8), np.arange(per_file, dtype=np.uint8) % 10)
        for name in (*data.CIFAR_TRAIN_FILES, data.CIFAR_TEST_FILE)
    }


def cifar_tarball(files: dict[str, bytes], extra: tuple = (), folder: str = "cifar-10-batches-bin") -> bytes:
    """A .tar.gz laid out like cifar-10-binary.tar.gz; `extra` adds (TarInfo, bytes or None)."""
    import io
    import tarfile

    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        top = tarfile.TarInfo(folder)
        top.type = tarfile.DIRTYPE
        tar.addfile(top)
        members = {"batches.meta.txt": b"airplane\nautomobile\n", **files}
        for name, blob in members.items():
            info = tarfile.TarInfo(f"{folder}/{name}")
            info.size = len(blob)
            tar.addfile(info, io.BytesIO(blob))
        for info, blob in extra:
            tar.addfile(info, io.BytesIO(blob) if blob is not None else None)
    return buf.getvalue()


def tiny_cifar_tarball(seed: int = 0, per_file: int = 10) -> tuple[dict, bytes]:
    arrays = tiny_cifar_set(seed, per_file)
    return arrays, cifar_tarball({name: cifar_bytes(*a) for name, a in arrays.items()})


def cifar_table(blob: bytes, urls: tuple[str, ...] = ()) -> dict[str, Dataset]:
    """The real cifar10 entry with the checksum of `blob` in place of the real one."""
    from dataclasses import replace

    f = DataFile("cifar-10-binary.tar.gz", len(blob), hashlib.sha256(blob).hexdigest(), urls)
    return {"cifar10": replace(data.DATASETS["cifar10"], files=(f,))}


def put_in_cache(blob: bytes) -> Path:
    folder = data.cache_dir() / "cifar10"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "cifar-10-binary.tar.gz").write_bytes(blob)
    return folder / "cifar-10-binary.tar.gz"


def test_the_real_cifar10_entry():
    ds = data.DATASETS["cifar10"]
    (f,) = ds.files
    assert f.name == "cifar-10-binary.tar.gz" and f.size == 170052171  # tensorflow/datasets url_checksums
    assert f.sha256 == "c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd"
    assert f.md5 == "c32a1d4ab5d03f1284b67883e8d87530"  # the dataset's own page
    assert f.urls == ("https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz",)
    assert ds.format == "cifar10-binary" and ds.flips and not ds.synthetic
    assert ds.classes[:3] == ("airplane", "automobile", "bird") and len(ds.classes) == 10


def test_parse_cifar_records_reads_the_exact_layout():
    images, labels = tiny_cifar_set()["data_batch_1.bin"]
    got_images, got_labels = data.parse_cifar_records(cifar_bytes(images, labels), "data_batch_1.bin")
    assert np.array_equal(got_images, images) and np.array_equal(got_labels, labels)
    assert got_images.shape == (10, 32, 32, 3) and got_images.dtype == np.uint8
    # By hand: label 7, red plane all 1 except row 2 column 5, green all 2, blue all 3.
    record = bytearray([7]) + bytes([1] * 1024) + bytes([2] * 1024) + bytes([3] * 1024)
    record[1 + 2 * 32 + 5] = 200
    (image,), (label,) = data.parse_cifar_records(bytes(record))
    assert label == 7 and image[2, 5, 0] == 200 and image[0, 0].tolist() == [1, 2, 3] and image[31, 31].tolist() == [1, 2, 3]


@pytest.mark.parametrize(
    "raw, message",
    [
        (b"", "0 bytes is not a whole number of 3,073-byte records"),
        (bytes(3073 * 2 + 5), "6,151 bytes is not a whole number of 3,073-byte records"),
        (bytes(3074 * 3), "not the CIFAR-10 binary version"),  # CIFAR-100's record size
        (bytes([3]) + bytes(3072) + bytes([12]) + bytes(3072), "record 1 has label 12; CIFAR-10 labels are 0-9"),
    ],
)
def test_parse_cifar_records_checks_size_and_labels(raw, message):
    with pytest.raises(data.CIFARFormatError, match=message):
        data.parse_cifar_records(raw, "data_batch_1.bin")


def test_read_cifar_tarball_reads_only_the_six_data_files():
    arrays, blob = tiny_cifar_tarball()
    files = data.read_cifar_tarball(blob)
    assert sorted(files) == sorted(arrays)  # batches.meta.txt and the folder are not read
    assert files["test_batch.bin"] == cifar_bytes(*arrays["test_batch.bin"])


def _member(name: str, kind: bytes | None = None, link: str = "", blob: bytes | None = b"x" * 3073):
    """A tar member: a regular file, or with `kind` a tarfile type (b"1" hard link, b"2" symlink, b"6" fifo)."""
    import tarfile

    info = tarfile.TarInfo(name)
    if kind is not None:
        info.type, info.linkname, blob = kind, link, None
    else:
        info.size = len(blob)
    return info, blob


@pytest.mark.parametrize(
    "extra, message",
    [
        (_member("cifar-10-batches-bin/../../evil.bin"), r"refused: member 'cifar-10-batches-bin/../../evil.bin' is a path that climbs out"),
        (_member("../data_batch_1.bin"), "climbs out of the archive's folder"),
        (_member("/tmp/evil.bin"), "refused: member '/tmp/evil.bin' is an absolute path"),
        (_member("cifar-10-batches-bin/readme.html", b"2", "/etc/passwd"), r"is a link \(to '/etc/passwd'\)"),  # symlink
        (_member("cifar-10-batches-bin/hard", b"1", "cifar-10-batches-bin/data_batch_1.bin"), "is a link"),  # hard link
        (_member("cifar-10-batches-bin/fifo", b"6"), "special file"),
        (_member("cifar-10-batches-bin/data_batch_2.bin"), "appears twice"),
    ],
)
def test_read_cifar_tarball_refuses_unsafe_members(extra, message):
    arrays, _ = tiny_cifar_tarball()
    blob = cifar_tarball({name: cifar_bytes(*a) for name, a in arrays.items()}, extra=(extra,))
    with pytest.raises(data.CIFARFormatError, match=message):
        data.read_cifar_tarball(blob, "cifar-10-binary.tar.gz")


def test_read_cifar_tarball_names_missing_files_and_damaged_archives():
    arrays = tiny_cifar_set()
    del arrays["test_batch.bin"]
    blob = cifar_tarball({name: cifar_bytes(*a) for name, a in arrays.items()})
    with pytest.raises(data.CIFARFormatError, match="test_batch.bin missing from cifar-10-batches-bin/"):
        data.read_cifar_tarball(blob)
    elsewhere = cifar_tarball({name: cifar_bytes(*a) for name, a in tiny_cifar_set().items()}, folder="cifar-10-batches-py")
    with pytest.raises(data.CIFARFormatError, match="missing"):
        data.read_cifar_tarball(elsewhere)
    _, good = tiny_cifar_tarball()
    with pytest.raises(data.CIFARFormatError, match="damaged gzip|not a readable"):
        data.read_cifar_tarball(good[: len(good) // 2])
    with pytest.raises(data.CIFARFormatError, match="not a readable|damaged"):
        data.read_cifar_tarball(b"PK\x03\x04 a zip file")


def test_cifar10_loads_from_the_cache(monkeypatch, tmp_path):
    monkeypatch.setenv("TUTOR_DATA", str(tmp_path))
    arrays, blob = tiny_cifar_tarball()
    table = cifar_table(blob)
    put_in_cache(blob)
    assert data.is_cached("cifar10", table)
    s = data.load("cifar10", seed=0, val_fraction=0.1, table=table)
    assert s.name == "cifar10" and s.image_shape == (32, 32, 3) and s.flips and s.n_classes == 10
    assert (len(s.x_train), len(s.x_val), len(s.x_test)) == (40, 10, 10)  # 50 train records, one per class held out
    assert s.n_features == 3072 and s.x_train.dtype == np.float32 and s.y_train.dtype == np.int32
    assert 0 <= s.x_train.min() and s.x_train.max() <= 1
    test_images, test_labels = arrays["test_batch.bin"]
    assert np.array_equal(s.y_test, test_labels)
    assert np.array_equal(s.x_test.reshape(-1, 32, 32, 3), (test_images / 255.0).astype(np.float32))  # rows are (H, W, C)
    train_images = np.concatenate([arrays[n][0] for n in data.CIFAR_TRAIN_FILES])
    assert sorted(map(bytes, (np.concatenate([s.x_train, s.x_val]) * 255).round().astype(np.uint8))) == sorted(
        map(bytes, train_images.reshape(50, -1))
    )
    other = data.load("cifar10", seed=1, table=table)
    assert np.array_equal(other.x_test, s.x_test) and not np.array_equal(other.x_val, s.x_val)


def test_cifar10_offline_without_the_cache_names_the_command(monkeypatch, tmp_path):
    monkeypatch.setenv("TUTOR_DATA", str(tmp_path))
    assert not data.is_cached("cifar10")
    with pytest.raises(data.DatasetNotCached, match="tutor data fetch cifar10"):
        data.load("cifar10", 0)


def test_cifar10_tampered_cache_is_rejected_by_its_checksum(monkeypatch, tmp_path):
    monkeypatch.setenv("TUTOR_DATA", str(tmp_path))
    _, blob = tiny_cifar_tarball()
    table = cifar_table(blob)
    tampered = bytearray(blob)
    tampered[len(blob) // 2] ^= 0x01  # same size: only the checksum can tell
    path = put_in_cache(bytes(tampered))
    with pytest.raises(data.DatasetNotCached, match="failed its SHA-256 check.*tutor data fetch cifar10"):
        data.load("cifar10", 0, table=table)
    assert not path.exists()


@pytest.mark.parametrize("problem", ["traversal", "record size"])
def test_cifar10_with_a_good_checksum_but_a_bad_archive_is_refused(monkeypatch, tmp_path, problem):
    """A table that vouches for a bad archive (a mirror's own repackaging, say) still
    cannot get a path outside the folder or a malformed record past the loader."""
    monkeypatch.setenv("TUTOR_DATA", str(tmp_path))
    files = {name: cifar_bytes(*a) for name, a in tiny_cifar_set().items()}
    if problem == "traversal":
        blob = cifar_tarball(files, extra=(_member("cifar-10-batches-bin/../../../outside.bin"),))
        message = "refused: member .*outside.bin' is a path that climbs out"
    else:
        files["data_batch_3.bin"] += b"\x00\x01"
        blob = cifar_tarball(files)
        message = "data_batch_3.bin: 30,732 bytes is not a whole number of 3,073-byte records"
    put_in_cache(blob)
    with pytest.raises(data.CIFARFormatError, match=message):
        data.load("cifar10", 0, table=cifar_table(blob))
    assert not (tmp_path / "outside.bin").exists() and sorted(p.name for p in tmp_path.rglob("*")) == ["cifar-10-binary.tar.gz", "cifar10"]


def test_cifar10_fetch_checks_the_tarball(server):
    """The download path with the CIFAR entry: a good tarball lands and loads, a
    tampered one is refused by its SHA-256 and leaves nothing behind."""
    _, blob = tiny_cifar_tarball()
    table = cifar_table(blob, urls=(server.base + "/kriz/cifar-10-binary.tar.gz",))
    tampered = bytearray(blob)
    tampered[-20] ^= 0xFF
    server.files["/kriz/cifar-10-binary.tar.gz"] = bytes(tampered)
    with pytest.raises(data.FetchFailed, match="cifar-10-binary.tar.gz") as err:
        data.fetch("cifar10", table=table)
    assert "hash" in str(err.value).lower()
    assert leftovers(data.cache_dir() / "cifar10") == []
    server.files["/kriz/cifar-10-binary.tar.gz"] = blob
    data.fetch("cifar10", table=table)
    assert leftovers(data.cache_dir() / "cifar10") == ["cifar-10-binary.tar.gz"]
    assert data.load("cifar10", 0, table=table).x_test.shape == (10, 3072)


# ----------------------------------------------------------------------------- synthetic-cifar


def test_synthetic_cifar_says_what_it_is_everywhere():
    ds = data.DATASETS["synthetic-cifar"]
    assert ds.synthetic and ds.bundled and not ds.files
    assert ds.description["en"].startswith("synthetic, for benchmarks only — not CIFAR-10")
    assert "合成" in ds.description["zh"] and "不是 CIFAR-10" in ds.description["zh"]
    assert "not CIFAR-10" in ds.source and all(c.startswith("synthetic") for c in ds.classes)
    rows = {r["name"]: r for r in data.describe()}
    assert rows["synthetic-cifar"]["synthetic"] and not rows["cifar10"]["synthetic"]
    from trainers.configs import CNNConfig

    assert "for benchmarks only, not CIFAR-10" in CNNConfig.model_fields["dataset"].description


def test_synthetic_cifar_is_fixed_shaped_and_learnable():
    a, b = data.load("synthetic-cifar", 0), data.load("synthetic-cifar", 0)
    assert np.array_equal(a.x_train, b.x_train) and np.array_equal(a.x_test, b.x_test)
    assert a.image_shape == (32, 32, 3) and a.x_train.shape == (4500, 3072) and a.x_test.shape == (1000, 3072)
    assert set(np.unique(a.y_test)) == set(range(10)) and a.flips
    # Learnable: even a nearest-centroid rule on the mean colour of each row beats chance.
    def rows(x):
        return x.reshape(-1, 32, 32, 3).mean(axis=2).reshape(len(x), -1)

    centroids = np.stack([rows(a.x_train[a.y_train == c]).mean(axis=0) for c in range(10)])
    colour = lambda x: x.reshape(len(x), 32, 3).mean(axis=1)  # noqa: E731
    guess = np.argmin(((colour(rows(a.x_test))[:, None, :] - colour(centroids)[None]) ** 2).sum(-1), axis=1)
    assert (guess == a.y_test).mean() > 0.3  # chance: 0.1


# ----------------------------------------------------------------------------- augmentation


def test_augment_is_deterministic_per_seed_epoch_and_step():
    images = np.random.default_rng(0).random((16, 8, 8, 1), dtype=np.float32)
    first = data.augment(images, 2, True, seed=0, epoch=1, step=5)
    assert first.shape == images.shape and first.dtype == np.float32
    assert np.array_equal(first, data.augment(images, 2, True, seed=0, epoch=1, step=5))
    for other in ({"seed": 1, "epoch": 1, "step": 5}, {"seed": 0, "epoch": 2, "step": 5}, {"seed": 0, "epoch": 1, "step": 6}):
        assert not np.array_equal(first, data.augment(images, 2, True, **other))
    assert np.array_equal(data.augment(images, 0, False, 0, 0, 0), images)  # nothing asked, nothing done


def test_augment_crops_a_shifted_window_and_flips_only_when_asked():
    rng = np.random.default_rng(1)
    images = rng.random((32, 8, 8, 3), dtype=np.float32) + 1  # > 0, so padding (0) is recognisable
    pad = 2
    padded = np.pad(images, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    for flip in (False, True):
        out = data.augment(images, pad, flip, seed=3, epoch=0, step=0)
        mirrored = 0
        for i in range(len(images)):
            windows = [(dy, dx, m) for dy in range(2 * pad + 1) for dx in range(2 * pad + 1) for m in (False, True)
                       if np.array_equal(out[i], (lambda w: w[:, ::-1] if m else w)(padded[i, dy : dy + 8, dx : dx + 8]))]
            assert windows, f"image {i} is not a window of the padded image"
            assert flip or not all(m for _, _, m in windows)
            mirrored += all(m for _, _, m in windows)
        assert (mirrored > 0) == flip  # about half are mirrored with flip, none without
    shifts = {tuple(np.argwhere(out[i, ..., 0] > 0).min(axis=0)) for i in range(len(images))}
    assert len(shifts) > 3  # the offsets vary from image to image


def test_crop_padding_is_an_eighth_of_the_side():
    assert [data.crop_padding(s) for s in (8, 28, 32, 64)] == [1, 3, 4, 4]
