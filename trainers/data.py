"""The datasets the trainers learn from: where they come from, how they are checked,
and how they become numpy arrays.

- `digits` ships inside scikit-learn (1,797 8x8 images of handwritten digits): it works
  offline, always.
- `mnist` and `fashion-mnist` are four IDX files each (gzip), downloaded once with
  `tutor data fetch NAME` into the cache folder, each checked against its known SHA-256
  before it is used. A file that fails the check is deleted, never used.
- `cifar10` is the official *binary* distribution (one 162 MB tarball), fetched and
  checked the same way, and read straight out of the tarball in memory: only its six
  data files are read, nothing is extracted to disk, and an archive with a member that
  points outside its folder (`../`, an absolute path, a link) is refused outright.
  The Python version of CIFAR-10 is pickled; it is never used.
- `synthetic-cifar` is random CIFAR-shaped images with a simple learnable signal, made
  here: for benchmarks only. It is not CIFAR-10 and says so wherever it is listed.

Every dataset comes back as the same `Split`: float32 features scaled to [0, 1], int32
labels 0-9, and train / validation / test parts. Each row is one image flattened in
(height, width, channel) order, and `Split.image_shape` says how to fold it back. The
test part is fixed (MNIST's t10k files, CIFAR-10's test batch; a fixed 20% of digits),
the validation part is drawn from the training files by `seed`, per class, so every
class keeps its share.

Nothing here imports numpy, pooch or scikit-learn until a function needs them, and
nothing here ever unpickles: IDX files and CIFAR-10 records are parsed with
`np.frombuffer`.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator, Mapping

from trainers.api import TrainerError

if TYPE_CHECKING:  # only for the type hints; numpy is imported where it is used
    import numpy as np

Progress = Callable[[str, int, int], None]  # (file name, bytes done, bytes total)


# ----------------------------------------------------------------------------- errors


class DataError(TrainerError):
    """Anything wrong with a dataset; the message says what to do."""


class UnknownDataset(DataError, KeyError):
    def __str__(self) -> str:  # KeyError would print the message in quotes
        return str(self.args[0]) if self.args else ""


class DatasetNotCached(DataError):
    """The dataset must be downloaded first (or its cached copy failed its check)."""


class FetchFailed(DataError):
    """No mirror delivered a file that matches its checksum."""


class IDXFormatError(DataError, ValueError):
    """A file that is not the IDX file it should be."""


class CIFARFormatError(DataError, ValueError):
    """A tarball or a file that is not the CIFAR-10 binary version it should be."""


# ----------------------------------------------------------------------------- the table


@dataclass(frozen=True)
class DataFile:
    name: str
    size: int  # bytes, as downloaded (gzip)
    sha256: str  # checked on download and before every load
    urls: tuple[str, ...]  # mirrors, tried in order
    md5: str = ""  # second, independent published checksum; for reference


@dataclass(frozen=True)
class Dataset:
    name: str
    description: dict[str, str]
    classes: tuple[str, ...]
    files: tuple[DataFile, ...] = ()  # empty: bundled or generated, nothing to download
    source: str = ""
    format: str = "idx"  # how `load` reads it: idx, digits, cifar10-binary, synthetic
    flips: bool = False  # does a mirrored image keep its class? (a photo of a cat: yes; a 2: no)
    synthetic: bool = False  # made up here, not a real dataset: for benchmarks only

    @property
    def bundled(self) -> bool:
        return not self.files

    @property
    def size(self) -> int:
        return sum(f.size for f in self.files)


# The four IDX files of each set, in this order: train images, train labels, test images,
# test labels. SHA-256 and sizes: tensorflow/datasets `url_checksums/mnist.txt` and
# `fashion_mnist.txt`; MD5: torchvision `datasets/mnist.py` (the same files).
_MNIST_MIRRORS = ("https://ossci-datasets.s3.amazonaws.com/mnist/", "https://storage.googleapis.com/cvdf-datasets/mnist/")
_FASHION_MIRRORS = (
    "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
    "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
)
_IDX_NAMES = ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")


def _files(mirrors: tuple[str, ...], sizes, sha256s, md5s) -> tuple[DataFile, ...]:
    return tuple(
        DataFile(name, size, sha, tuple(m + name for m in mirrors), md5)
        for name, size, sha, md5 in zip(_IDX_NAMES, sizes, sha256s, md5s)
    )


DATASETS: dict[str, Dataset] = {
    "digits": Dataset(
        name="digits",
        description={
            "zh": "8x8 手写数字，1,797 张，随 scikit-learn 附带，离线可用",
            "en": "8x8 handwritten digits, 1,797 images, bundled with scikit-learn: works offline",
        },
        classes=tuple(str(d) for d in range(10)),
        source="sklearn.datasets.load_digits (UCI optical recognition of handwritten digits)",
        format="digits",
    ),
    "mnist": Dataset(
        name="mnist",
        description={
            "zh": "28x28 手写数字，训练 60,000 张、测试 10,000 张（约 11 MB 下载）",
            "en": "28x28 handwritten digits, 60,000 train and 10,000 test images (about 11 MB to download)",
        },
        classes=tuple(str(d) for d in range(10)),
        files=_files(
            _MNIST_MIRRORS,
            (9912422, 28881, 1648877, 4542),
            (
                "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
                "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
                "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
                "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
            ),
            (
                "f68b3c2dcbeaaa9fbdd348bbdeb94873",
                "d53e105ee54ea40749a09fcbcd1e9432",
                "9fb629c4189551a2d022fa330f9573f3",
                "ec29112dd5afa0611ce80d1b7f02629c",
            ),
        ),
        source="LeCun, Cortes, Burges: the MNIST database",
    ),
    "fashion-mnist": Dataset(
        name="fashion-mnist",
        description={
            "zh": "28x28 服装图片（Zalando），10 类，训练 60,000、测试 10,000（约 30 MB 下载）",
            "en": "28x28 clothing images (Zalando), 10 classes, 60,000 train and 10,000 test (about 30 MB to download)",
        },
        classes=("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"),
        files=_files(
            _FASHION_MIRRORS,
            (26421880, 29515, 4422102, 5148),
            (
                "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
                "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
                "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
                "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
            ),
            (
                "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
                "25c81989df183df01b3e8a0aad5dffbe",
                "bef4ecab320f06d8554ea6380940ec79",
                "bb300cfdad3c16e7a12a480ee83cd310",
            ),
        ),
        source="Xiao, Rasul, Vollgraf 2017: Fashion-MNIST (zalandoresearch/fashion-mnist)",
    ),
    # The binary version: 5 training batches and 1 test batch of 10,000 fixed-size
    # records, all in one tarball. Size and SHA-256: tensorflow/datasets
    # `url_checksums/cifar10.txt`; MD5: the dataset's own page,
    # https://www.cs.toronto.edu/~kriz/cifar.html ("CIFAR-10 binary version").
    "cifar10": Dataset(
        name="cifar10",
        description={
            "zh": "32x32 彩色照片，10 类（飞机、汽车、鸟、猫……），训练 50,000、测试 10,000（约 162 MB 下载）",
            "en": "32x32 colour photos, 10 classes (airplane, automobile, bird, cat …), 50,000 train and 10,000 test (about 162 MB to download)",
        },
        classes=("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"),
        files=(
            DataFile(
                "cifar-10-binary.tar.gz",
                170052171,
                "c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd",
                ("https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz",),
                "c32a1d4ab5d03f1284b67883e8d87530",
            ),
        ),
        source="Krizhevsky 2009: Learning Multiple Layers of Features from Tiny Images (CIFAR-10, binary version)",
        format="cifar10-binary",
        flips=True,
    ),
    "synthetic-cifar": Dataset(
        name="synthetic-cifar",
        description={
            "zh": "合成数据，仅用于基准测试，不是 CIFAR-10：32x32x3 随机图像加上可学习的条纹与色调，训练 5,000、测试 1,000",
            "en": "synthetic, for benchmarks only — not CIFAR-10: random 32x32x3 images with a learnable stripe and tint per class, 5,000 train and 1,000 test",
        },
        classes=tuple(f"synthetic {d}" for d in range(10)),
        source="generated by trainers.data.synthetic_cifar (no download); shaped like CIFAR-10, not CIFAR-10",
        format="synthetic",
        flips=True,  # the signal depends on the row only: a mirrored image keeps its class
        synthetic=True,
    ),
}


def _dataset(name: str, table: Mapping[str, Dataset] | None) -> Dataset:
    table = DATASETS if table is None else table
    try:
        return table[name]
    except KeyError:
        raise UnknownDataset(f"unknown dataset {name!r}; known: {', '.join(sorted(table))}") from None


# ----------------------------------------------------------------------------- the cache


def cache_dir() -> Path:
    """Where downloads live: `TUTOR_DATA` if set (and not empty), else the platform's
    user cache folder (`~/Library/Caches/tutor/data` on macOS, `~/.cache/tutor/data` on
    Linux). A cache may be deleted at any time: `tutor data fetch` brings it back."""
    override = os.environ.get("TUTOR_DATA", "").strip()
    if override:
        return Path(override).expanduser()
    import platformdirs

    return platformdirs.user_cache_path("tutor", appauthor=False) / "data"


def _path(ds: Dataset, f: DataFile) -> Path:
    return cache_dir() / ds.name / f.name


def is_cached(name: str, table: Mapping[str, Dataset] | None = None) -> bool:
    """True when every file is on disk with the right size (cheap; `load` checks the
    full SHA-256). Bundled datasets are always cached."""
    ds = _dataset(name, table)
    for f in ds.files:
        p = _path(ds, f)
        if not p.is_file() or p.stat().st_size != f.size:
            return False
    return True


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


class _PoochProgress:
    """What pooch expects of a progress bar (`total`, `update`, `reset`, `close`),
    turned into calls of `progress(file, done, total)`."""

    def __init__(self, file: str, report: Progress):
        self.file, self.report = file, report
        self.total, self.done = 0, 0

    def update(self, n: int) -> None:
        self.done = min(self.done + n, self.total) if self.total else self.done + n
        self.report(self.file, self.done, self.total)

    def reset(self) -> None:
        self.done = 0

    def close(self) -> None:
        pass


def _print_progress(file: str, done: int, total: int) -> None:
    if total:
        sys.stderr.write(f"\r{file}: {done / 1e6:.1f} / {total / 1e6:.1f} MB")
        if done >= total:
            sys.stderr.write("\n")
    sys.stderr.flush()


def fetch(name: str, progress: bool | Progress = False, table: Mapping[str, Dataset] | None = None) -> Path:
    """Download `name` into the cache (files already there and intact are kept) and
    return its folder. Each mirror is tried in turn; pooch writes to a temporary file
    next to the target and moves it into place only when its SHA-256 matches, so a
    truncated or tampered download never lands (and its temporary file is removed).

    `progress`: False (silent), True (a line on stderr) or a callable
    `(file name, bytes done, bytes total)`. Raises `FetchFailed` naming every attempt.
    """
    ds = _dataset(name, table)
    folder = cache_dir() / ds.name
    if ds.bundled:
        return folder
    import pooch

    pooch.get_logger().setLevel("WARNING")  # we report progress ourselves
    report = _print_progress if progress is True else (progress or None)
    for f in ds.files:
        failures = []
        for url in f.urls:
            bar = _PoochProgress(f.name, report) if report else False
            try:
                pooch.retrieve(url, known_hash=f"sha256:{f.sha256}", fname=f.name, path=folder, progressbar=bar)
                break
            except ValueError as e:  # pooch: checksum mismatch (the temporary file is gone)
                failures.append(f"{url}: {str(e).splitlines()[0]}")
            except Exception as e:  # network: requests' errors, OSError
                failures.append(f"{url}: {type(e).__name__}: {e}")
        else:
            raise FetchFailed(f"could not download {f.name} for {ds.name}:\n  " + "\n  ".join(failures))
    return folder


def remove(name: str, table: Mapping[str, Dataset] | None = None) -> int:
    """Delete a dataset's cached files; returns the bytes freed."""
    ds = _dataset(name, table)
    freed = 0
    for f in ds.files:
        p = _path(ds, f)
        if p.is_file():
            freed += p.stat().st_size
            p.unlink()
    return freed


# ----------------------------------------------------------------------------- IDX files

# IDX (LeCun's format): two zero bytes, a type code, the number of dimensions, then each
# dimension as a big-endian uint32, then the values in C order.
_IDX_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def parse_idx(raw: bytes, source: str = "IDX data", ndim: int | None = None) -> "np.ndarray":
    """Parse IDX bytes (gzip or not) into a numpy array, checking the header."""
    import numpy as np

    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as e:
            raise IDXFormatError(f"{source}: damaged gzip data ({e})") from None
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_TYPES:
        raise IDXFormatError(f"{source}: not an IDX file (bad magic number {raw[:4].hex() or 'empty'})")
    dims_n = raw[3]
    if ndim is not None and dims_n != ndim:
        raise IDXFormatError(f"{source}: expected {ndim} dimensions, the header says {dims_n}")
    header = 4 + 4 * dims_n
    if len(raw) < header:
        raise IDXFormatError(f"{source}: truncated header")
    dims = tuple(int(d) for d in np.frombuffer(raw, dtype=">u4", count=dims_n, offset=4))
    dtype = np.dtype(_IDX_TYPES[raw[2]])
    expected = int(np.prod(dims, dtype=np.int64)) * dtype.itemsize
    if len(raw) - header != expected:
        raise IDXFormatError(f"{source}: header says {dims} ({expected} bytes of data), found {len(raw) - header} bytes")
    return np.frombuffer(raw, dtype=dtype, offset=header).reshape(dims)


def _read_verified(ds: Dataset, f: DataFile) -> bytes:
    """The bytes of one cached file, after its SHA-256 check. A file that fails the
    check is deleted: using it would train on wrong data without anyone knowing."""
    p = _path(ds, f)
    if not p.is_file():
        raise DatasetNotCached(f"{ds.name} is not downloaded yet ({p} is missing): run `tutor data fetch {ds.name}`")
    raw = p.read_bytes()
    if hashlib.sha256(raw).hexdigest() != f.sha256:
        p.unlink()
        raise DatasetNotCached(
            f"{p} failed its SHA-256 check (damaged or changed) and was removed: run `tutor data fetch {ds.name}`"
        )
    return raw


# ----------------------------------------------------------------------------- CIFAR-10, binary version

# The tarball holds one folder, `cifar-10-batches-bin/`, with data_batch_1.bin …
# data_batch_5.bin, test_batch.bin (and batches.meta.txt, readme.html, not read). Each
# .bin file is records of 3,073 bytes: 1 label byte (0-9), then 3,072 pixel bytes —
# the 1,024 red values of the 32x32 image row by row, then the 1,024 green, then the
# 1,024 blue.
CIFAR_FOLDER = "cifar-10-batches-bin"
CIFAR_TRAIN_FILES = tuple(f"data_batch_{i}.bin" for i in range(1, 6))
CIFAR_TEST_FILE = "test_batch.bin"
CIFAR_SIDE = 32
CIFAR_RECORD = 1 + 3 * CIFAR_SIDE * CIFAR_SIDE  # 3,073 bytes


def _unsafe_member(member) -> str | None:
    """Why a tar member could never be extracted safely, or None. Checked for every
    member, read or not: an archive with one such member is not the one we expect."""
    name = member.name
    parts = name.replace("\\", "/").split("/")
    if name.startswith(("/", "\\")) or (parts and parts[0].endswith(":")):
        return "an absolute path"
    if ".." in parts:
        return "a path that climbs out of the archive's folder ('..')"
    if member.issym() or member.islnk():
        return f"a link (to {member.linkname!r})"
    if not (member.isfile() or member.isdir()):
        return "a device, pipe or other special file"
    return None


def read_cifar_tarball(raw: bytes, source: str = "cifar-10-binary.tar.gz") -> dict[str, bytes]:
    """The bytes of the six data files in the CIFAR-10 binary tarball, by file name
    (`data_batch_1.bin` … `test_batch.bin`), read in memory: nothing is written to disk.
    Refuses the whole archive when any member is unsafe (absolute path, `..`, link,
    special file), when a data file appears twice, or when one is missing."""
    import io
    import tarfile

    wanted = {f"{CIFAR_FOLDER}/{n}": n for n in (*CIFAR_TRAIN_FILES, CIFAR_TEST_FILE)}
    found: dict[str, bytes] = {}
    try:
        with tarfile.open(fileobj=io.BytesIO(raw), mode="r:gz") as tar:
            for member in tar:
                why = _unsafe_member(member)
                if why:
                    raise CIFARFormatError(f"{source}: refused: member {member.name!r} is {why}; this is not the CIFAR-10 archive")
                key = member.name[2:] if member.name.startswith("./") else member.name
                if key not in wanted:
                    continue  # batches.meta.txt, readme.html, the folder itself
                if not member.isfile() or wanted[key] in found:
                    raise CIFARFormatError(f"{source}: refused: {member.name!r} appears twice or is not a regular file")
                found[wanted[key]] = tar.extractfile(member).read()
    except tarfile.TarError as e:
        raise CIFARFormatError(f"{source}: not a readable .tar.gz ({e})") from None
    except (OSError, EOFError) as e:  # gzip: damaged or cut short
        raise CIFARFormatError(f"{source}: damaged gzip data ({e})") from None
    missing = [n for n in wanted.values() if n not in found]
    if missing:
        raise CIFARFormatError(f"{source}: {', '.join(missing)} missing from {CIFAR_FOLDER}/; this is not the CIFAR-10 binary version")
    return found


def parse_cifar_records(raw: bytes, source: str = "CIFAR-10 data") -> tuple["np.ndarray", "np.ndarray"]:
    """(images uint8 (N, 32, 32, 3), labels uint8 (N,)) from one CIFAR-10 .bin file,
    checking the record size and the label range."""
    import numpy as np

    if not raw or len(raw) % CIFAR_RECORD:
        raise CIFARFormatError(
            f"{source}: {len(raw):,} bytes is not a whole number of {CIFAR_RECORD:,}-byte records "
            "(1 label byte + 3,072 pixel bytes): not the CIFAR-10 binary version"
        )
    records = np.frombuffer(raw, dtype=np.uint8).reshape(-1, CIFAR_RECORD)
    labels = records[:, 0]
    bad = np.flatnonzero(labels > 9)
    if bad.size:
        raise CIFARFormatError(
            f"{source}: record {bad[0]} has label {labels[bad[0]]}; CIFAR-10 labels are 0-9 "
            "(CIFAR-100's binary files have two label bytes per record)"
        )
    # Colour planes (3, 32, 32) -> (32, 32, 3): every dataset here is height, width, channel.
    images = records[:, 1:].reshape(-1, 3, CIFAR_SIDE, CIFAR_SIDE).transpose(0, 2, 3, 1)
    return images, labels.copy()


def _cifar10_arrays(ds: Dataset) -> tuple["np.ndarray", "np.ndarray", "np.ndarray", "np.ndarray"]:
    """(train images, train labels, test images, test labels), uint8, from the cache."""
    import numpy as np

    (f,) = ds.files
    files = read_cifar_tarball(_read_verified(ds, f), f.name)
    train = [parse_cifar_records(files[n], n) for n in CIFAR_TRAIN_FILES]
    test_images, test_labels = parse_cifar_records(files[CIFAR_TEST_FILE], CIFAR_TEST_FILE)
    return np.concatenate([i for i, _ in train]), np.concatenate([l for _, l in train]), test_images, test_labels


# ----------------------------------------------------------------------------- synthetic-cifar (benchmarks only)

SYNTHETIC_SEED = 1234  # the images are always the same; the validation split follows `seed`


def synthetic_cifar(n_train: int = 5000, n_test: int = 1000) -> tuple["np.ndarray", "np.ndarray", "np.ndarray", "np.ndarray"]:
    """Random CIFAR-shaped images (uint8, N x 32 x 32 x 3) for benchmarks: NOT CIFAR-10.

    Each class has its own colour tint and its own number of horizontal stripes, at a
    random height per image, under uniform noise: a small CNN learns it in an epoch or
    two, so a benchmark can check that training did something. The signal depends on
    the row only, so a mirrored image keeps its class."""
    import numpy as np

    rng = np.random.default_rng(SYNTHETIC_SEED)
    tints = rng.uniform(0.2, 1.0, size=(10, 3))
    n = n_train + n_test
    labels = np.tile(np.arange(10, dtype=np.uint8), -(-n // 10))[:n]
    rng.shuffle(labels)
    rows = np.arange(CIFAR_SIDE)
    phase = rng.uniform(0, 2 * np.pi, size=(n, 1))
    stripes = 0.5 + 0.5 * np.cos(2 * np.pi * (1 + labels[:, None]) * rows / CIFAR_SIDE + phase)  # (n, 32)
    signal = stripes[:, :, None, None] * tints[labels][:, None, None, :]  # (n, 32, 1, 3)
    noise = rng.random((n, CIFAR_SIDE, CIFAR_SIDE, 3), dtype=np.float32)
    images = np.round(255 * (0.5 * noise + 0.5 * signal)).astype(np.uint8)
    return images[:n_train], labels[:n_train], images[n_train:], labels[n_train:]


# ----------------------------------------------------------------------------- augmentation


def crop_padding(side: int) -> int:
    """Padding for random crops of a `side` x `side` image, an eighth of its side:
    4 pixels for 32x32 (the usual choice for CIFAR-10), 3 for 28x28, 1 for 8x8 digits.
    (2 pixels is a quarter of a digit: in 8 epochs it cost the default CNN on digits
    over 20 points of test accuracy, 1 pixel about 7.)"""
    return min(4, max(1, side // 8))


def augment(images: "np.ndarray", pad: int, flip: bool, seed: int, epoch: int, step: int) -> "np.ndarray":
    """Random crops (and, with `flip`, mirror images) of a batch (N, H, W, C).

    Each image is padded with `pad` zero pixels on every side, then an H x W window is
    cut out at a random offset: the picture moves by up to `pad` pixels each way. With
    `flip`, each image is also mirrored left-right with probability 1/2. The random
    numbers come from (seed, epoch, step) with numpy, so torch and MLX train on exactly
    the same augmented images, and a rerun with the same seed repeats them."""
    import numpy as np

    rng = np.random.default_rng([seed, epoch, step])
    n, h, w, _ = images.shape
    padded = np.pad(images, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    rows = rng.integers(0, 2 * pad + 1, size=(n, 1)) + np.arange(h)  # (N, H): source rows per image
    cols = rng.integers(0, 2 * pad + 1, size=(n, 1)) + np.arange(w)  # (N, W): source columns
    if flip:
        mirrored = rng.random(n) < 0.5
        cols = np.where(mirrored[:, None], cols[:, ::-1], cols)  # read the columns backwards
    return padded[np.arange(n)[:, None, None], rows[:, :, None], cols[:, None, :]]  # one gather


# ----------------------------------------------------------------------------- splits


@dataclass(frozen=True)
class Split:
    """One dataset ready to train on: features float32 in [0, 1], labels int32."""

    name: str
    x_train: "np.ndarray"
    y_train: "np.ndarray"
    x_val: "np.ndarray"
    y_val: "np.ndarray"
    x_test: "np.ndarray"
    y_test: "np.ndarray"
    classes: tuple[str, ...] = field(default_factory=tuple)
    image_shape: tuple[int, int, int] = (0, 0, 0)  # (height, width, channels) of one row
    flips: bool = False  # may augmentation mirror these images?

    @property
    def n_features(self) -> int:
        return int(self.x_train.shape[1])

    @property
    def n_classes(self) -> int:
        return len(self.classes)


def stratified_holdout(labels: "np.ndarray", fraction: float, seed: int) -> tuple["np.ndarray", "np.ndarray"]:
    """Indices (kept, held out): `fraction` of every class held out (at least one sample
    of each class with two or more), chosen by `seed`. Both index arrays are sorted, so
    the result depends only on labels, fraction and seed."""
    import numpy as np

    rng = np.random.default_rng(seed)
    held = []
    for c in np.unique(labels):
        members = np.flatnonzero(labels == c)
        count = int(round(fraction * len(members)))
        if len(members) > 1:
            count = min(max(count, 1), len(members) - 1)  # every class on both sides
        held.append(rng.permutation(members)[:count])
    held_idx = np.sort(np.concatenate(held)) if held else np.zeros(0, dtype=np.int64)
    mask = np.ones(len(labels), dtype=bool)
    mask[held_idx] = False
    return np.flatnonzero(mask), held_idx


def batches(n: int, batch_size: int, seed: int, epoch: int) -> Iterator["np.ndarray"]:
    """The sample indices of each step of one epoch: a fresh shuffle per epoch, drawn
    from (seed, epoch) with numpy, so torch and MLX see exactly the same batches in the
    same order. The last batch may be smaller."""
    import numpy as np

    order = np.random.default_rng([seed, epoch]).permutation(n)
    for start in range(0, n, batch_size):
        yield order[start : start + batch_size]


DIGITS_TEST_FRACTION = 0.2
# The test set is fixed, like MNIST's t10k files, so scores compare across seeds. Which
# fixed split matters more than one would think with 360 test images: over the splits
# drawn by seeds 0-9, the default MLP's best test accuracy ranged from 95% to 99%.
# Seed 9 gave a split of middling difficulty; seed 0 gave the hardest.
DIGITS_TEST_SEED = 9


def _digits_arrays() -> tuple["np.ndarray", "np.ndarray"]:
    """The 1,797 digits as (pixels 0..16, labels). Reads scikit-learn's bundled CSV
    directly: `import sklearn` alone takes over a second, `load_digits` needs no more
    than this file. Falls back to `load_digits` if the file ever moves."""
    import importlib.util

    import numpy as np

    spec = importlib.util.find_spec("sklearn")
    path = Path(spec.origin).parent / "datasets" / "data" / "digits.csv.gz" if spec and spec.origin else None
    if path is not None and path.is_file():
        table = np.loadtxt(path, delimiter=",")  # 64 pixel values, then the label, per row
        return table[:, :-1], table[:, -1].astype(np.int64)
    from sklearn.datasets import load_digits

    digits = load_digits()
    return digits.data, digits.target


def _scaled(values: "np.ndarray", top: float, chunk: int = 4096) -> "np.ndarray":
    """float32 `values / top`, a chunk of rows at a time: a whole CIFAR-10 set divided
    at once would pass through a 1.2 GB float64 temporary."""
    import numpy as np

    out = np.empty(values.shape, dtype=np.float32)
    for i in range(0, len(values), chunk):
        out[i : i + chunk] = values[i : i + chunk] / top
    return out


def load(name: str, seed: int = 0, val_fraction: float = 0.1, table: Mapping[str, Dataset] | None = None) -> Split:
    """Load a dataset as a `Split`. Raises `DatasetNotCached` (naming `tutor data fetch
    NAME`) when a download is missing or damaged; never substitutes another dataset."""
    import numpy as np

    if not 0 < val_fraction < 1:
        raise ValueError(f"val_fraction must be between 0 and 1, got {val_fraction}")
    ds = _dataset(name, table)
    # Each format gives raw pixel values (one image per row), labels, and the value of white.
    if ds.format == "digits":
        pixels, labels = _digits_arrays()
        rest, test = stratified_holdout(labels, DIGITS_TEST_FRACTION, DIGITS_TEST_SEED)
        x, y, x_test, y_test, top, shape = pixels[rest], labels[rest], pixels[test], labels[test], 16.0, (8, 8, 1)
    elif ds.format in ("cifar10-binary", "synthetic"):
        images, y, test_images, y_test = _cifar10_arrays(ds) if ds.format == "cifar10-binary" else synthetic_cifar()
        x, x_test, top, shape = images.reshape(len(images), -1), test_images.reshape(len(test_images), -1), 255.0, images.shape[1:]
    else:
        arrays = [parse_idx(_read_verified(ds, f), f.name, ndim=3 if "images" in f.name else 1) for f in ds.files]
        train_images, y, test_images, y_test = arrays
        if len(train_images) != len(y) or len(test_images) != len(y_test):
            raise IDXFormatError(f"{ds.name}: the image and label files disagree on the number of samples")
        x, x_test, top, shape = train_images.reshape(len(train_images), -1), test_images.reshape(len(test_images), -1), 255.0, (*train_images.shape[1:], 1)
    y, y_test = y.astype(np.int32), y_test.astype(np.int32)
    train, val = stratified_holdout(y, val_fraction, seed)
    # Select first, then scale to [0, 1] in float32: each part is converted once.
    return Split(
        ds.name,
        _scaled(x[train], top),
        y[train],
        _scaled(x[val], top),
        y[val],
        _scaled(x_test, top),
        y_test,
        ds.classes,
        tuple(int(d) for d in shape),
        ds.flips,
    )


def describe(table: Mapping[str, Dataset] | None = None) -> list[dict]:
    """Rows for `tutor data list --json`."""
    table = DATASETS if table is None else table
    return [
        {
            "name": ds.name,
            "description": ds.description,
            "bundled": ds.bundled,
            "size_bytes": ds.size,
            "cached": is_cached(ds.name, table),
            "path": str(cache_dir() / ds.name) if not ds.bundled else None,
            "source": ds.source,
            "synthetic": ds.synthetic,
            "files": [{"name": f.name, "size": f.size, "sha256": f.sha256, "md5": f.md5, "urls": list(f.urls)} for f in ds.files],
        }
        for ds in table.values()
    ]
