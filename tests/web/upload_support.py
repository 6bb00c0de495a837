"""Shared by the upload tests of the pages and the API (no tests here): a multipart body made as the server reads
it, so a 100 MB upload costs the test no memory and the server's own use can be measured with tracemalloc."""

from __future__ import annotations

import tracemalloc
from dataclasses import dataclass

BOUNDARY = "sirecords-test-boundary"
FILLER = b"%PDF-1.4\n" + bytes(range(256)) * 256  # 64 KiB of bytes, repeated


class StreamedMultipart:
    """A multipart/form-data body: `before` fields, one file of `file_size` bytes, `after` fields; made as read."""

    def __init__(self, file_size: int, *, before: dict | None = None, after: dict | None = None,
                 field: str = "file", name: str = "scan.pdf"):
        def part(key: str, value: str) -> bytes:
            return (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{key}\"\r\n\r\n{value}\r\n").encode()

        self.head = b"".join(part(k, v) for k, v in (before or {}).items()) + (
            f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{name}\"\r\n"
            "Content-Type: application/pdf\r\n\r\n").encode()
        self.tail = b"\r\n" + b"".join(part(k, v) for k, v in (after or {}).items()) + f"--{BOUNDARY}--\r\n".encode()
        self.file_size = file_size
        self.length = len(self.head) + file_size + len(self.tail)
        self.position = 0  # how much the server has read

    def read(self, size: int = -1) -> bytes:
        end = self.length if size is None or size < 0 else min(self.length, self.position + size)
        out = bytearray()
        while self.position < end:
            at = self.position
            if at < len(self.head):
                piece = self.head[at:min(end, len(self.head))]
            elif at < len(self.head) + self.file_size:
                offset = (at - len(self.head)) % len(FILLER)
                piece = FILLER[offset:offset + min(end - at, len(FILLER) - offset, len(self.head) + self.file_size - at)]
            else:
                start = at - len(self.head) - self.file_size
                piece = self.tail[start:start + end - at]
            out += piece
            self.position += len(piece)
        return bytes(out)

    def readline(self, size: int = -1) -> bytes:  # not used by Django's multipart parser
        raise NotImplementedError

    def environ(self) -> dict:
        """The WSGI keys for Client.generic(...): the body is this stream, with its true length."""
        return {"wsgi.input": self, "CONTENT_LENGTH": str(self.length),
                "CONTENT_TYPE": f"multipart/form-data; boundary={BOUNDARY}"}


@dataclass
class Measured:
    response: object
    peak: int  # bytes: the most Python held at once while serving the request


def post_streamed(client, url: str, body: StreamedMultipart, **extra) -> Measured:
    """POST `body` to `url`, measuring the peak of memory allocated while the server handles it."""
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        response = client.generic("POST", url, **body.environ(), **extra)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return Measured(response, peak)
