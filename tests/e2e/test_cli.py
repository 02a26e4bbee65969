"""The `mwf` command as a newcomer runs it: a real process, real ports, real signals."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

MWF = [sys.executable, "-m", "mwf.cli"]
ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CLERK_ISSUER")}
    env.update(PYTHONPATH=str(ROOT), GRPC_VERBOSITY="ERROR", **extra)
    return env


def _get(url: str, token: str | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(url)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def _wait_healthy(url: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = process.stdout.read() if process.stdout else ""
            pytest.fail(f"mwf serve exited early: {output}")
        try:
            if _get(url)[0] == 200:
                return
        except (urllib.error.URLError, ConnectionError):
            pass
        time.sleep(0.1)
    pytest.fail("mwf serve never became healthy")


def test_serve_on_the_embedded_default_then_stop_gracefully(tmp_path: Path) -> None:
    rest, grpc_port = _free_port(), _free_port()
    env = _env(PORT=str(rest), GRPC_PORT=str(grpc_port))
    process = subprocess.Popen(MWF + ["serve"], cwd=tmp_path, env=env, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        _wait_healthy(f"http://127.0.0.1:{rest}/health", process)
        token = subprocess.run(MWF + ["token", "newcomer", "--name", "New Comer"], cwd=tmp_path,
                               env=env, text=True, capture_output=True, check=True).stdout.strip()
        status, body = _get(f"http://127.0.0.1:{rest}/api/auth/me", token)
        assert status == 200 and body["data"]["user"]["name"] == "New Comer"
        status, body = _get(f"http://127.0.0.1:{rest}/api/auth/me", "not-a-token")
        assert status == 401 and body["error"]["code"] == "UNAUTHORIZED"
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=30)
    assert process.returncode == 0, output
    assert (tmp_path / "mwf.sqlite3").exists(), "the default database lives in the working dir"
    assert "SQLite (embedded default)" in output and "dev tokens" in output


def test_migrate_applies_to_postgres_once(postgres_url: str, tmp_path: Path) -> None:
    env = _env(DATABASE_URL=postgres_url)
    first = subprocess.run(MWF + ["migrate"], cwd=tmp_path, env=env, text=True,
                           capture_output=True)
    assert first.returncode == 0, first.stderr
    assert "m0001_initial" in first.stderr
    again = subprocess.run(MWF + ["migrate"], cwd=tmp_path, env=env, text=True,
                           capture_output=True)
    assert again.returncode == 0 and "m0001_initial" not in again.stderr


def test_production_refuses_dev_tokens(tmp_path: Path) -> None:
    result = subprocess.run(MWF + ["token", "someone"], cwd=tmp_path,
                            env=_env(MWF_ENV="production"), text=True, capture_output=True)
    assert result.returncode != 0 and "refused in production" in result.stderr


@pytest.mark.parametrize(
    ("command", "settings", "says"),
    [
        (
            "serve",
            {"ABLY_API_KEY": "app.key:secret-part", "ABLY_TLS": "false"},
            "mwf serve: ABLY_TLS=false cannot be used with ABLY_API_KEY",
        ),
        (
            "serve",
            {"MWF_ENV": "production", "CLERK_ISSUER": "https://clerk.example.test"},
            "mwf serve: MWF_ENV=production needs APP_URL set",
        ),
        (
            "outbox",
            {"FIELD_ENCRYPTION_KEY": "c2hvcnQ="},
            "mwf outbox: FIELD_ENCRYPTION_KEY decodes to 5 bytes, not 32",
        ),
    ],
)
def test_settings_that_cannot_work_are_refused_in_one_line(
    tmp_path: Path, command: str, settings: dict[str, str], says: str
) -> None:
    args = [command, "status"] if command == "outbox" else [command]
    env = _env(PORT=str(_free_port()), GRPC_PORT=str(_free_port()), **settings)
    result = subprocess.run(MWF + args, cwd=tmp_path, env=env, text=True, capture_output=True,
                            timeout=60)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith(says)
    assert "secret-part" not in result.stderr and "c2hvcnQ=" not in result.stderr
