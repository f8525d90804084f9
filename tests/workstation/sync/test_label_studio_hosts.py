"""What the Label Studio bridge fetches, against HTTP servers of the test's own on 127.0.0.1:
the token never travels in clear, a redirect is held to Label Studio's origin as a task URL is,
a download stops at its cap, and a Label Studio that lies about its total cannot keep `pull`
paging. (Hostile task URLs in a real Label Studio: test_label_studio.py.)"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.server.label_studio import BridgeError, LabelStudio
from tests.conftest import write_tone
from tests.workstation.sync.conftest import Server, make_server
from tests.workstation.sync.http_hosts import (
    FakeLyingLabelStudio,
    FakeRedirectingLabelStudio,
    Host,
    OtherHost,
)

TOKEN = "ls-token-never-in-clear"
MiB = 1 << 20


@pytest.fixture
def wav(tmp_path: Path) -> bytes:
    return write_tone(tmp_path / "tone.wav", 0.5).read_bytes()


def test_the_token_never_goes_in_clear_to_the_same_host_and_port(tmp_path: Path) -> None:
    """Given https://HOST:PORT, a task URL http://HOST:PORT/x.wav (same host and port, plain
    http) is not Label Studio: nothing is asked of it, least of all with the token."""
    with OtherHost({"/x.wav": b"RIFF"}) as host:
        ls = LabelStudio(f"https://127.0.0.1:{host.port}", TOKEN)
        try:
            with pytest.raises(BridgeError, match="not on Label Studio"):
                ls.download(f"{host.url}/x.wav", tmp_path / "x.wav")
        finally:
            ls.close()
        assert host.seen == []
    assert not (tmp_path / "x.wav").exists()


def test_redirects_stay_on_label_studio(tmp_path: Path, wav: bytes) -> None:
    """A redirect on Label Studio's own origin is followed (with the token); one to another
    host (a presigned cloud URL) is refused, and that host is never asked."""
    with OtherHost({"/bucket/x.wav": wav}) as other:
        moves = {
            "/data/upload/1/here.wav": "/data/upload/1/moved.wav",
            "/tasks/1/resolve/": f"{other.url}/bucket/x.wav?X-Amz-Signature=s3cr3t",
        }
        with FakeRedirectingLabelStudio(moves, {"/data/upload/1/moved.wav": wav}) as fake:
            ls = LabelStudio(fake.url, TOKEN)
            try:
                ls.download("/data/upload/1/here.wav", tmp_path / "here.wav")
                assert (tmp_path / "here.wav").read_bytes() == wav
                assert [s.authorization for s in fake.seen] == [f"Token {TOKEN}"] * 2
                with pytest.raises(BridgeError, match="elsewhere.*pre-signed") as refused:
                    ls.download("/tasks/1/resolve/", tmp_path / "cloud.wav")
            finally:
                ls.close()
        assert other.seen == []
    assert "s3cr3t" not in str(refused.value)  # a presigned URL's signature is not repeated
    assert not (tmp_path / "cloud.wav").exists()


def three_mib(path: str) -> tuple[int, dict[str, str], Iterator[bytes]]:
    headers = {"Content-Length": str(3 * MiB)} if path == "/declared.wav" else {}
    return 200, headers, iter([b"\0" * MiB] * 3)


def capped_downloads(folder: Path) -> list[str]:
    """3 MiB against a 1 MiB cap, its length declared and not: each refused, and what the
    folder holds afterwards."""
    folder.mkdir()
    with Host(three_mib) as host:
        ls = LabelStudio(host.url, TOKEN, max_download_bytes=MiB)
        try:
            for name in ("declared.wav", "streamed.wav"):
                with pytest.raises(BridgeError, match="larger than 1,048,576 bytes"):
                    ls.download(f"/{name}", folder / name)
        finally:
            ls.close()
    return sorted(p.name for p in folder.iterdir())


def test_a_download_stops_at_its_cap_and_leaves_nothing(tmp_path: Path) -> None:
    assert capped_downloads(tmp_path / "cap") == []


def test_a_download_that_left_its_part_behind_would_be_caught(tmp_path: Path) -> None:
    """Broken variant: without the clean-up, the streamed one leaves the part it wrote before
    passing the cap, and the check above sees it."""
    leaky = pytest.MonkeyPatch()
    leaky.setattr(Path, "unlink", lambda _self, missing_ok=False: None)
    try:
        assert capped_downloads(tmp_path / "cap") == ["streamed.wav"]
    finally:
        leaky.undo()


def pull(server: Server, url: str) -> str:
    os.environ["LABEL_STUDIO_TOKEN"] = TOKEN
    try:
        return server.cli(
            "label-studio", "pull", "va", "--url", url, "--ls-project", "1", ok=(0, 1, 2)
        )
    finally:
        os.environ.pop("LABEL_STUDIO_TOKEN", None)


def test_a_label_studio_lying_about_its_total_cannot_keep_pull_paging(
    tmp_path: Path, wav: bytes
) -> None:
    """It claims 1,000 tasks and answers every page with the same two: `pull` takes the two,
    asks once more, finds nothing new, stops, and says it was given fewer than claimed."""
    server = make_server(tmp_path, recordings=0)
    with FakeLyingLabelStudio(total=1000, page_of=lambda _page: [1, 2], audio=wav) as fake:
        out = pull(server, fake.url)
        assert fake.task_requests() == 2, out
    assert "2 pulled, 0 pulled before, 1 refused" in out, out
    assert "said it has 1000 tasks but gave 2" in out, out


def test_paging_is_bounded_by_what_arrives_and_capped(wav: bytes) -> None:
    """Fresh tasks one a page against a claim of 45: the pages `max_tasks` takes, no more.
    An empty page ends it; a claim over the cap is refused before any task is taken."""
    with FakeLyingLabelStudio(total=45, page_of=lambda page: [page], audio=wav) as fake:
        ls = LabelStudio(fake.url, TOKEN)
        tasks, short = ls.tasks(1, page_size=10, max_tasks=50)
        ls.close()
        assert fake.task_requests() == 5 and [t["id"] for t in tasks] == [1, 2, 3, 4, 5]
        assert short is not None and "said it has 45 tasks but gave 5" in short
    with FakeLyingLabelStudio(total=45, page_of=lambda p: [p] if p < 3 else [], audio=wav) as fake:
        ls = LabelStudio(fake.url, TOKEN)
        tasks, _short = ls.tasks(1, page_size=10, max_tasks=50)
        ls.close()
        assert fake.task_requests() == 3 and len(tasks) == 2
    with FakeLyingLabelStudio(total=10**9, page_of=lambda p: [p], audio=wav) as fake:
        ls = LabelStudio(fake.url, TOKEN)
        with pytest.raises(BridgeError, match="more than the 50 a pull takes"):
            ls.tasks(1, page_size=10, max_tasks=50)
        ls.close()
        assert fake.task_requests() == 1
