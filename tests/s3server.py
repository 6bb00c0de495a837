"""A loopback S3-compatible server for the tests (moto's threaded server on a free port), with one bucket made."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import boto3
from moto.server import ThreadedMotoServer


def s3_client(endpoint: str, key_id: str, secret: str):
    return boto3.client("s3", endpoint_url=endpoint, aws_access_key_id=key_id, aws_secret_access_key=secret,
                        region_name="us-east-1")


@contextlib.contextmanager
def moto_bucket(bucket: str, key_id: str, secret: str) -> Iterator[tuple[str, object]]:
    """(endpoint URL, a boto3 client) of a moto server on 127.0.0.1 holding `bucket`; stopped on leaving."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        endpoint = f"http://127.0.0.1:{server.get_host_and_port()[1]}"
        client = s3_client(endpoint, key_id, secret)
        client.create_bucket(Bucket=bucket)
        yield endpoint, client
    finally:
        server.stop()
