"""Command-line tools: accounts, demo data, audit check."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup

from models import DomainError, db, users
from models.permissions import ROLES

user_cli = AppGroup("user", help="Staff accounts.")
audit_cli = AppGroup("audit", help="The audit log.")


def _read_password(username: str) -> str:
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    return click.prompt(f"Password for {username}", hide_input=True,
                        confirmation_prompt=True)


@user_cli.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--name", "full_name", required=True, help="Full name as shown on documents.")
@click.option("--nip", default=None, help="18-digit civil-servant number (optional).")
def create_user_command(username: str, role: str, full_name: str, nip: str | None) -> None:
    """Create an account; the password is read from stdin or prompted for."""
    password = _read_password(username)
    try:
        user = users.create_user(None, username, full_name, role, password, nip)
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc.message)) from exc
    click.echo(f"Created {user.username} ({user.role}).")


@audit_cli.command("verify")
def verify_audit_command() -> None:
    """Check the whole hash chain of the audit log."""
    from models.audit import verify_chain

    intact, broken = verify_chain()
    if not intact:
        raise click.ClickException(f"Audit chain broken at entry {broken}.")
    click.echo("Audit chain intact.")


@click.command("demo-data")
@click.option("--applicants", default=320, show_default=True, type=click.IntRange(1, 100_000))
@click.option("--if-empty", is_flag=True,
              help="On a database that has data already, only show the saved demo logins.")
def demo_data_command(applicants: int, if_empty: bool) -> None:
    """Fill an EMPTY database with demo accounts and residents; prints the logins."""
    from flask import current_app

    from demo.generate import DatabaseNotEmpty, generate

    saved = Path(current_app.instance_path) / "demo_logins.txt"
    try:
        logins = generate(applicants=applicants)
    except DatabaseNotEmpty as exc:
        if not if_empty:
            raise click.ClickException(str(exc)) from exc
        click.echo("The database already has data; no demo data added.")
        if saved.exists():
            click.echo(saved.read_text(), nl=False)
        return
    lines = ["Demo logins (demo database only; change them before real use):"]
    lines += [f"  {role:<20} {username:<14} {password}" for username, role, password in logins]
    text = "\n".join(lines) + "\n"
    # Kept in instance/ (never committed) so `make run` can show them again.
    fd = os.open(saved, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(text)
    click.echo(text, nl=False)


@click.command("seed")
def seed_command() -> None:
    """Record the published service standard as version 1 if none exists."""
    from models.standard import ensure_seed_standard

    std = ensure_seed_standard()
    click.echo(f"Service standard in force: {std}")


def register_cli(app: Flask) -> None:
    app.cli.add_command(user_cli)
    app.cli.add_command(audit_cli)
    app.cli.add_command(demo_data_command)
    app.cli.add_command(seed_command)
