"""A fresh install that follows the README's production steps (no `make`) serves the
Indonesian UI: the app compiles the catalogs itself (catalogs.py), and says so in its
log when the default locale has none (issue 11 item 5)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# What gunicorn does with 'app:create_app()', then the login page, as a browser asks.
SERVE_LOGIN = """
from app import create_app
client = create_app().test_client()
response = client.get("/login")
print(response.status_code)
print(response.get_data(as_text=True))
"""


def fresh_copy(target: Path) -> Path:
    """The project as a clone has it: the files git knows (tracked, or new and not
    ignored), so no compiled .mo, no instance/, no venv."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, capture_output=True, check=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    return target


def run(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=180)


@pytest.fixture(scope="module")
def clone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout: no list of the files a clone would have")
    return fresh_copy(tmp_path_factory.mktemp("clone") / "ktp")


def production_env(clone: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("FLASK_", "KTP_", "DATABASE_URL", "BABEL_"))}
    env.update(DATABASE_URL=f"sqlite:///{clone / 'ktp.sqlite'}", KTP_PRODUCTION="1",
               PYTHONDONTWRITEBYTECODE="1")
    return env


def test_the_readme_production_steps_give_an_indonesian_ui(clone: Path):
    assert not list(clone.glob("translations/*/LC_MESSAGES/*.mo"))
    env = production_env(clone)
    # The README: `flask --app app db upgrade`, then gunicorn 'app:create_app()'.
    upgrade = run([sys.executable, "-m", "flask", "--app", "app", "db", "upgrade"], clone, env)
    assert upgrade.returncode == 0, upgrade.stderr[-3000:]
    assert (clone / "translations" / "id" / "LC_MESSAGES" / "messages.mo").is_file()
    served = run([sys.executable, "-c", SERVE_LOGIN], clone, env)
    assert served.returncode == 0, served.stderr[-3000:]
    status, page = served.stdout.split("\n", 1)
    assert status == "200"
    assert '<html lang="id">' in page
    assert "Nama pengguna" in page and "Kata sandi" in page and ">Masuk<" in page
    assert "Username" not in page
    assert "ERROR" not in served.stderr


def test_no_default_catalog_is_logged_as_an_error(clone: Path):
    messages = clone / "translations" / "id" / "LC_MESSAGES"
    for name in ("messages.po", "messages.mo"):
        (messages / name).unlink(missing_ok=True)
    served = run([sys.executable, "-c", SERVE_LOGIN], clone, production_env(clone))
    assert served.returncode == 0, served.stderr[-3000:]
    assert "no catalog for the default locale 'id'" in served.stderr
    assert "Username" in served.stdout  # the English it warned about
