"""Object storage's floor: a plain boto3 loop putting a built site's objects, nothing rendered.

    python bench/s3_put_only.py MANIFEST SITE ENDPOINT BUCKET PREFIX

MANIFEST is a JSON list of ``[path, content_type, cache_control, content_disposition]`` (the
headers ``seoulcal.publish.s3.object_headers`` gives each path), SITE the folder build holding
those files. Every file is read into memory first (seoulcal has its files in memory when it
uploads), then put with ``put_object`` under ``PREFIX + path`` with the same headers, through a
thread pool of ``THREADS`` (the ``UPLOAD_THREADS`` of seoulcal/publish/s3.py) and a client
configured as ``seoulcal.publish.s3.open_store`` configures its own. Credentials come from the
environment. Prints the number of objects put.
"""

from __future__ import annotations

import json
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

THREADS = 8


def main() -> int:
    """Put every object of the manifest."""
    manifest, site, endpoint, bucket, prefix = sys.argv[1:6]
    import boto3  # noqa: PLC0415 - timed as part of the process, as seoulcal imports it late
    from botocore.config import Config  # noqa: PLC0415 - same as above

    entries = json.loads(Path(manifest).read_text())
    root = Path(site)
    bodies = {path: (root / path).read_bytes() for path, *_ in entries}
    config = Config(
        retries={"max_attempts": 3, "mode": "standard"},
        connect_timeout=10,
        read_timeout=30,
        max_pool_connections=16,
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
    )
    client = boto3.session.Session().client("s3", endpoint_url=endpoint, config=config)

    def put(entry: list) -> None:
        path, content_type, cache_control, disposition = entry
        arguments = {
            "Bucket": bucket,
            "Key": prefix + path,
            "Body": bodies[path],
            "ContentType": content_type,
            "CacheControl": cache_control,
        }
        if disposition:
            arguments["ContentDisposition"] = disposition
        client.put_object(**arguments)

    with ThreadPoolExecutor(THREADS) as pool:
        for _ in pool.map(put, entries):
            pass
    print(len(entries))
    return 0


if __name__ == "__main__":
    sys.exit(main())
