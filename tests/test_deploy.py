"""The files in deploy/ are the ones the docs quote, and they are valid as shipped."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"


def test_the_service_unit_passes_systemd_analyze_verify(tmp_path):
    analyze = shutil.which("systemd-analyze")
    assert analyze, "systemd-analyze is missing: apt-get install systemd (scripts/test.sh does)"
    unit = (DEPLOY / "murmur.service").read_text()
    assert "ExecStart=/opt/murmur/bin/murmur serve" in unit
    # verify checks that the program exists: point it at this checkout's murmur.
    murmur = Path(sys.executable).with_name("murmur")
    copy = tmp_path / "murmur.service"
    copy.write_text(unit.replace("/opt/murmur/bin/murmur", str(murmur)))
    result = subprocess.run(
        [analyze, "verify", str(copy)], capture_output=True, text=True, timeout=60
    )
    problems = [line for line in result.stderr.splitlines() if "murmur.service" in line]
    assert result.returncode == 0 and not problems, result.stderr


def test_the_service_keeps_its_data_private_and_its_tokens_out_of_the_unit():
    unit = (DEPLOY / "murmur.service").read_text()
    for line in (
        "StateDirectoryMode=0700",
        "UMask=0077",
        "NoNewPrivileges=yes",
        "ProtectSystem=strict",
        "EnvironmentFile=-/etc/murmur/murmur.env",
        "Restart=on-failure",
    ):
        assert line in unit.splitlines(), line
    settings = [line for line in unit.splitlines() if not line.startswith("#")]
    assert not any("TOKEN=" in line for line in settings)


def test_the_deployment_guide_points_at_the_shipped_files_and_existing_commands():
    docs = (ROOT / "docs" / "deployment.md").read_text()
    for name in ("nginx.conf", "Caddyfile", "murmur.service"):
        assert f"deploy/{name}" in docs, f"docs/deployment.md does not point at deploy/{name}"
    from wall.cli import build_parser

    parser = build_parser()
    for line in docs.splitlines():
        # Every `murmur ...` command the guide shows parses with today's command line.
        for command in re.findall(r"/opt/murmur/bin/murmur ([^`|&]+)", line):
            argv = re.sub(r"\$\([^)]*\)", "X", command).split()
            if argv and argv[0] != "--version":
                parser.parse_args(argv)
