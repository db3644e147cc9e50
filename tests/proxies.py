"""Real reverse proxies in front of a live Murmur: Debian's nginx and Caddy, with TLS.

Each runs the file shipped in ``deploy/`` with only what a test must change: the ports
(tests cannot take 80 and 443), the certificate paths, and the upstream's port. The
certificates come from a certificate authority made for the test run (trustme), for the
host name the shipped files use, ``wall.example.edu``; Chromium reaches it through
``--host-resolver-rules`` and trusts the CA's key by its SPKI hash.
"""

from __future__ import annotations

import base64
import hashlib
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import trustme
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"
HOST = "wall.example.edu"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _wait_for_port(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    for _ in range(300):
        if process.poll() is not None:
            raise RuntimeError(f"the proxy exited: {log.read_text() if log.exists() else ''}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"the proxy did not listen on {port} in 15 s")


class Certificates:
    def __init__(self, folder: Path) -> None:
        self.ca = trustme.CA()
        cert = self.ca.issue_cert(HOST)
        self.chain = folder / "fullchain.pem"
        self.key = folder / "privkey.pem"
        self.ca_file = folder / "ca.pem"
        cert.private_key_pem.write_to_path(str(self.key))
        cert.cert_chain_pems[0].write_to_path(str(self.chain))
        for pem in cert.cert_chain_pems[1:]:
            with self.chain.open("ab") as out:
                out.write(pem.bytes())
        self.ca.cert_pem.write_to_path(str(self.ca_file))

    def leaf_spki(self) -> str:
        """The base64 SHA-256 of the server certificate's key (Chromium's SPKI list)."""
        leaf = x509.load_pem_x509_certificate(self.chain.read_bytes())
        der = leaf.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
        return base64.b64encode(hashlib.sha256(der).digest()).decode()


class Proxy:
    """A running proxy: ``url`` is https://wall.example.edu:PORT (resolve it to 127.0.0.1)."""

    def __init__(self, folder: Path, upstream_port: int | list[int]) -> None:
        self.folder = folder
        # Several: one Murmur process each, as docs/scaling.md says to list them.
        self.upstream_ports = upstream_port if isinstance(upstream_port, list) else [upstream_port]
        self.https_port = free_port()
        self.http_port = free_port()
        self.certs = Certificates(folder)
        self.process: subprocess.Popen[bytes] | None = None
        self.log = folder / "proxy.log"

    @property
    def url(self) -> str:
        return f"https://{HOST}:{self.https_port}"

    def chromium_args(self) -> list[str]:
        return [
            f"--host-resolver-rules=MAP {HOST} 127.0.0.1",
            f"--ignore-certificate-errors-spki-list={self.certs.leaf_spki()}",
        ]

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
            self.process = None


class Nginx(Proxy):
    def start(self) -> Nginx:
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        if not Path(nginx).exists():
            raise RuntimeError("nginx is missing: apt-get install nginx (scripts/test.sh does)")
        shipped = (DEPLOY / "nginx.conf").read_text()
        if "server 127.0.0.1:8000 max_fails=0;" not in shipped:
            raise RuntimeError("deploy/nginx.conf's upstream line changed: update tests/proxies.py")
        site = (
            shipped.replace(
                "server 127.0.0.1:8000 max_fails=0;",
                " ".join(f"server 127.0.0.1:{port} max_fails=0;" for port in self.upstream_ports),
            )
            .replace("listen 80;", f"listen 127.0.0.1:{self.http_port};")
            .replace("listen 443 ssl;", f"listen 127.0.0.1:{self.https_port} ssl;")
            .replace("listen [::]:80;", "")
            .replace("listen [::]:443 ssl;", "")
            .replace("/etc/ssl/murmur/fullchain.pem", str(self.certs.chain))
            .replace("/etc/ssl/murmur/privkey.pem", str(self.certs.key))
        )
        (self.folder / "murmur.conf").write_text(site)
        temp = self.folder / "temp"
        temp.mkdir(exist_ok=True)
        user = "user root root;" if os.geteuid() == 0 else ""
        main = f"""
            {user}
            daemon off;
            worker_processes 1;
            pid {self.folder}/nginx.pid;
            error_log {self.log} warn;
            events {{ worker_connections 1024; }}
            http {{
                access_log {self.folder}/access.log;
                client_body_temp_path {temp}/body;
                proxy_temp_path {temp}/proxy;
                fastcgi_temp_path {temp}/fastcgi;
                uwsgi_temp_path {temp}/uwsgi;
                scgi_temp_path {temp}/scgi;
                include {self.folder}/murmur.conf;
            }}
        """
        conf = self.folder / "nginx.conf"
        conf.write_text(main)
        self.process = subprocess.Popen(
            [nginx, "-c", str(conf), "-e", str(self.log)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        _wait_for_port(self.https_port, self.process, self.log)
        return self


class Caddy(Proxy):
    def start(self) -> Caddy:
        caddy = shutil.which("caddy")
        if caddy is None:
            raise RuntimeError("caddy is missing: apt-get install caddy (scripts/test.sh does)")
        shipped = (DEPLOY / "Caddyfile").read_text()
        if "reverse_proxy 127.0.0.1:8000 {" not in shipped:
            raise RuntimeError("deploy/Caddyfile's reverse_proxy changed: update tests/proxies.py")
        site = shipped.replace(f"{HOST} {{", f"{HOST}:{self.https_port} {{", 1).replace(
            "reverse_proxy 127.0.0.1:8000 {",
            f"tls {self.certs.chain} {self.certs.key}\n"
            "\treverse_proxy "
            + " ".join(f"127.0.0.1:{port}" for port in self.upstream_ports)
            + " {",
        )
        glob = (
            "{\n\tadmin off\n\tauto_https disable_redirects\n"
            f"\thttp_port {self.http_port}\n\thttps_port {self.https_port}\n"
            "\tstorage file_system " + str(self.folder / "caddy") + "\n}\n"
        )
        caddyfile = self.folder / "Caddyfile"
        caddyfile.write_text(glob + site)
        env = {**os.environ, "HOME": str(self.folder), "XDG_DATA_HOME": str(self.folder)}
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [caddy, "run", "--config", str(caddyfile), "--adapter", "caddyfile"],
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
            )
        _wait_for_port(self.https_port, self.process, self.log)
        return self
