"""Audio at rest: each recording sealed in independently authenticated chunks under its own key
(app/sealed.py, the recording's id as associated data), so a range decrypts only the chunks it
touches and serving an hours-long recording never holds it whole in memory. The recording's
key is kept wrapped under the master key (app/server/keys.py); deleting it makes the recording
unreadable even where a copy of the file survives.

Two stores hold the sealed files, alike in every other way: a folder of this machine
(`FolderStore`, the default), or an S3-compatible object store (`ObjectStore`, `--audio-store
s3://BUCKET/PREFIX`), which several server machines share. In an object store each recording
is one object, read by ranges: a range of the recording fetches only the chunks it touches.
Sealing streams into a private scratch folder first, then the sealed file is uploaded (in
parts, for a long one) and removed there.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from app import sealed
from app.protocol import is_loopback

if TYPE_CHECKING:
    from obstore.store import S3Store

SUFFIX = ".bin"  # what a store holds: {task id}.bin, {task id}.original.bin
TIMEOUT = timedelta(minutes=10)  # one request: an hour's recording uploaded in parts fits


class StoreError(Exception):
    """The store cannot be reached or refused: str() says which and what to do."""


class AudioStore:
    """What every store does with sealed recordings; the I/O below is each store's own."""

    scratch: Path  # a private folder of this machine for files on their way in

    # -- each store's own I/O -----------------------------------------------------------------
    def _write(self, name: str, seal: Callable[[Path], str]) -> str:
        """`seal(path)` writes a sealed file there and returns its digest; it ends up as `name`."""
        raise NotImplementedError

    def _blob(self, name: str) -> sealed.Blob:
        raise NotImplementedError

    def _exists(self, name: str) -> bool:
        raise NotImplementedError

    def _remove(self, name: str) -> None:
        raise NotImplementedError

    def names(self) -> Iterator[str]:
        """Every sealed file the store holds (for backups)."""
        raise NotImplementedError

    def fetch(self, name: str, target: Path) -> None:
        """A sealed file copied to `target` as it is (FileNotFoundError: gone meanwhile)."""
        raise NotImplementedError

    def place(self, name: str, source: Path) -> None:
        """A sealed file put back as `name` (restore)."""
        raise NotImplementedError

    def probe(self) -> None:
        """Raises OSError or StoreError unless something can be written and removed."""
        raise NotImplementedError

    @property
    def where(self) -> str:
        raise NotImplementedError

    # -- recordings -----------------------------------------------------------------------------
    def put_file(self, task_id: str, source: Path) -> tuple[bytes, str]:
        """Seal a recording from its file, streaming: (its new key, SHA-256 of its bytes)."""
        key = AESGCM.generate_key(bit_length=256)
        context = task_id.encode()
        digest = self._write(_served(task_id), lambda p: sealed.seal_file(source, key, p, context))
        return key, digest

    def put(self, task_id: str, data: bytes) -> bytes:
        """Seal a recording held in memory (small ones: tests and tools); returns its key."""
        key = AESGCM.generate_key(bit_length=256)
        context = task_id.encode()
        self._write(_served(task_id), lambda p: sealed.seal_bytes(data, key, p, context))
        return key

    def reader(self, task_id: str, key: bytes) -> sealed.SealedReader:
        """The recording by ranges, decrypted chunk by chunk (close it when done)."""
        return sealed.SealedReader(self._blob(_served(task_id)), key, task_id.encode())

    def get(self, task_id: str, key: bytes) -> bytes:
        """The whole recording (small ones; the API streams by ranges instead)."""
        r = self.reader(task_id, key)
        try:
            return r.pread(0, r.size)
        finally:
            r.close()

    def delete(self, task_id: str) -> None:
        self._remove(_served(task_id))
        self._remove(_original(task_id))

    # -- a project that mutes or disguises serves a copy; the original is kept back -------------
    def put_original(self, task_id: str, source: Path) -> tuple[bytes, str]:
        """Seal a recording as the original of a muted or disguised one, beside where
        `put_served` stores the copy served, under the key returned (the copy takes the same
        key; each chunk has its own random nonce). Its own associated data binds it to its
        name: it can never pass for the copy served. No route reads it."""
        key = AESGCM.generate_key(bit_length=256)
        context = _original_context(task_id)
        digest = self._write(
            _original(task_id), lambda p: sealed.seal_file(source, key, p, context)
        )
        return key, digest

    def put_served(self, task_id: str, source: Path, key: bytes) -> str:
        """The copy served of a recording whose original `put_original` sealed, from its file;
        the SHA-256 of its bytes."""
        context = task_id.encode()
        return self._write(_served(task_id), lambda p: sealed.seal_file(source, key, p, context))

    def original(self, task_id: str, key: bytes) -> bytes | None:
        """The original of a muted or disguised recording (for a redacted export's own
        covering); None when the recording was served as it is."""
        if not self._exists(_original(task_id)):
            return None
        r = sealed.SealedReader(self._blob(_original(task_id)), key, _original_context(task_id))
        try:
            return r.pread(0, r.size)
        finally:
            r.close()

    # -- stores written before recordings were chunked: a folder's only ------------------------
    def is_legacy(self, task_id: str) -> bool:
        return False

    def reseal_legacy(self, task_id: str, key: bytes) -> bytes:
        raise StoreError(f"{task_id}: no recording of the old format in {self.where}")

    def pending_reseal(self, task_id: str) -> bool:
        return False

    def finish_reseal(self, task_id: str) -> None:
        return None

    def drop_reseal(self, task_id: str) -> None:
        return None

    def pending_reseals(self) -> set[str]:
        """Recordings whose upgrade stopped half way (their task ids)."""
        return set()


def _served(task_id: str) -> str:
    return f"{task_id}{SUFFIX}"


def _original(task_id: str) -> str:
    return f"{task_id}.original{SUFFIX}"


def _original_context(task_id: str) -> bytes:
    return f"{task_id}:original".encode()


class FolderStore(AudioStore):
    """Sealed files in a folder of this machine."""

    def __init__(self, folder: Path) -> None:
        self.folder = self.scratch = folder
        folder.mkdir(parents=True, exist_ok=True)

    @property
    def where(self) -> str:
        return str(self.folder)

    def _write(self, name: str, seal: Callable[[Path], str]) -> str:
        return seal(self.folder / name)  # through a .part file: a crash leaves nothing half

    def _blob(self, name: str) -> sealed.Blob:
        return sealed.FileBlob(self.folder / name)

    def _exists(self, name: str) -> bool:
        return (self.folder / name).exists()

    def _remove(self, name: str) -> None:
        (self.folder / name).unlink(missing_ok=True)

    def names(self) -> Iterator[str]:
        return (f.name for f in sorted(self.folder.glob(f"*{SUFFIX}")))

    def fetch(self, name: str, target: Path) -> None:
        shutil.copyfile(self.folder / name, target)

    def place(self, name: str, source: Path) -> None:
        part = self.folder / f"{name}.part"
        shutil.copyfile(source, part)
        part.replace(self.folder / name)

    def probe(self) -> None:
        probe = self.folder / f".health-{os.getpid()}-{uuid.uuid4().hex}"
        probe.write_bytes(b"ok")
        probe.unlink()

    # -- the old single-blob format, sealed again in chunks at upgrade --------------------------
    def is_legacy(self, task_id: str) -> bool:
        path = self.folder / _served(task_id)
        return path.exists() and not sealed.is_sealed(path)

    def _resealed(self, task_id: str) -> Path:
        return self.folder / f"{task_id}.resealed"

    def reseal_legacy(self, task_id: str, key: bytes) -> bytes:
        """Seal a recording of the old single-blob format again, in chunks under a new key, into
        a file beside it (one recording in memory at a time, once); returns the new key. The
        caller stores the key, then `finish_reseal` puts the file in place: a crash between
        the two leaves both files, and `pending_reseal` says which one the key opens."""
        blob = (self.folder / _served(task_id)).read_bytes()
        plain = AESGCM(key).decrypt(blob[:12], blob[12:], task_id.encode())
        del blob
        new_key = AESGCM.generate_key(bit_length=256)
        sealed.seal_bytes(plain, new_key, self._resealed(task_id), task_id.encode())
        return new_key

    def pending_reseal(self, task_id: str) -> bool:
        return self._resealed(task_id).exists()

    def finish_reseal(self, task_id: str) -> None:
        self._resealed(task_id).replace(self.folder / _served(task_id))

    def drop_reseal(self, task_id: str) -> None:
        self._resealed(task_id).unlink(missing_ok=True)

    def pending_reseals(self) -> set[str]:
        return {p.name.removesuffix(".resealed") for p in self.folder.glob("*.resealed")}


class _ObjectBlob:
    """An object read by ranges (one request per chunk a range touches)."""

    def __init__(self, store: S3Store, path: str, name: str) -> None:
        self.store, self.path, self.name = store, path, name

    def read_at(self, offset: int, n: int) -> bytes:
        import obstore

        if n <= 0:
            return b""
        try:
            return bytes(obstore.get_range(self.store, self.path, start=offset, length=n))
        except _missing():
            raise FileNotFoundError(self.name) from None
        except Exception as exc:  # noqa: BLE001 - the client's errors: one kind for callers
            if "out of range" in str(exc).lower() or "416" in str(exc):
                return b""  # past the end: nothing there
            raise StoreError(f"the audio store did not answer for {self.name}: {exc}") from exc

    def close(self) -> None:
        return None


class ObjectStore(AudioStore):
    """Sealed files as objects in an S3-compatible store (`s3://BUCKET/PREFIX`): its endpoint,
    region and credentials from the environment (AWS_ENDPOINT_URL, AWS_REGION,
    AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY), where the configuration file's [s3] puts them,
    never the command line. TLS is verified; plain http only to this machine."""

    def __init__(self, url: str, scratch: Path) -> None:
        from obstore.store import S3Store

        parts = urlsplit(url)
        if parts.scheme != "s3" or not parts.netloc:
            raise StoreError(f"{url!r} is not an object store: say s3://BUCKET/PREFIX")
        self.url = url.rstrip("/")
        self.bucket, self.prefix = parts.netloc, parts.path.strip("/")
        settings: dict[str, str] = {}
        endpoint = os.environ.get("AWS_ENDPOINT_URL", "")
        # a store that does not answer is said within seconds, not after minutes of retries
        client: dict[str, Any] = {"connect_timeout": timedelta(seconds=5), "timeout": TIMEOUT}
        if endpoint.startswith("http://"):
            if not is_loopback(urlsplit(endpoint).hostname or ""):
                raise StoreError(
                    f"the audio store's endpoint {endpoint} is plain http on another machine:"
                    " use https (plain http only to this machine)"
                )
            client["allow_http"] = True
        if endpoint:
            settings["endpoint"] = endpoint
        settings.setdefault("region", os.environ.get("AWS_REGION", "") or "us-east-1")
        try:
            self.s3 = S3Store(
                self.bucket,
                prefix=self.prefix or None,
                config=settings,  # type: ignore[arg-type]
                client_options=client,  # type: ignore[arg-type]
                retry_config={"max_retries": 3, "retry_timeout": timedelta(seconds=20)},
            )
        except Exception as exc:  # noqa: BLE001 - the client's own errors, said plainly
            raise StoreError(f"the audio store {url} cannot be used: {exc}") from exc
        self.scratch = scratch
        scratch.mkdir(parents=True, exist_ok=True)
        scratch.chmod(0o700)

    @property
    def where(self) -> str:
        return self.url

    def _write(self, name: str, seal: Callable[[Path], str]) -> str:
        import obstore

        fd, tmp = tempfile.mkstemp(prefix=".sealing-", dir=self.scratch)
        os.close(fd)
        local = Path(tmp)
        try:
            digest = seal(local)
            try:
                obstore.put(self.s3, name, local)  # in parts past 5 MB; atomic either way
            except Exception as exc:  # noqa: BLE001
                raise StoreError(f"the audio store did not take {name}: {exc}") from exc
            return digest
        finally:
            local.unlink(missing_ok=True)
            local.with_name(local.name + ".part").unlink(missing_ok=True)

    def _blob(self, name: str) -> sealed.Blob:
        return _ObjectBlob(self.s3, name, name)

    def _exists(self, name: str) -> bool:
        import obstore

        try:
            obstore.head(self.s3, name)
        except _missing():
            return False
        except Exception as exc:  # noqa: BLE001
            raise StoreError(f"the audio store did not answer for {name}: {exc}") from exc
        return True

    def _remove(self, name: str) -> None:
        import obstore

        try:
            obstore.delete(self.s3, name)  # S3 says yes for a missing key too
        except _missing():
            return
        except Exception as exc:  # noqa: BLE001
            raise StoreError(f"the audio store did not delete {name}: {exc}") from exc

    def names(self) -> Iterator[str]:
        import obstore

        found: list[str] = []
        for batch in obstore.list(self.s3):
            found += [m["path"] for m in batch if m["path"].endswith(SUFFIX)]
        return iter(sorted(found))

    def fetch(self, name: str, target: Path) -> None:
        import obstore

        try:
            got = obstore.get(self.s3, name)
            with target.open("wb") as out:
                for piece in got.stream():
                    out.write(piece)
        except _missing():
            raise FileNotFoundError(name) from None

    def place(self, name: str, source: Path) -> None:
        import obstore

        obstore.put(self.s3, name, source)

    def probe(self) -> None:
        import obstore

        name = f".health-{os.getpid()}-{uuid.uuid4().hex}"
        try:
            obstore.put(self.s3, name, b"ok")
            obstore.delete(self.s3, name)
        except Exception as exc:  # noqa: BLE001
            raise StoreError(str(exc)) from exc


def _missing() -> tuple[type[BaseException], ...]:
    """What the object store's client raises for a missing object (it says so both ways)."""
    from obstore.exceptions import NotFoundError

    return (FileNotFoundError, NotFoundError)


STORE_ENV = "EARMARK_SERVER_AUDIO_STORE"  # set by --audio-store or the configuration file


def open_store(data: Path, url: str | None = None) -> AudioStore:
    """The store a server uses: `url` (s3://BUCKET/PREFIX; by default what --audio-store or the
    configuration file said) or, without one, the data folder's audio/ folder."""
    url = url if url is not None else os.environ.get(STORE_ENV, "")
    if not url:
        return FolderStore(data / "audio")
    return ObjectStore(url, data / "scratch")
