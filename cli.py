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
@click.option("--activation", is_flag=True,
              help="No password: print a one-time activation code for the user instead.")
def create_user_command(username: str, role: str, full_name: str, nip: str | None,
                        activation: bool) -> None:
    """Create an account (the server operator's, e.g. the first administrator and head
    of office: the role applies at once). The password is read from stdin or prompted
    for; with --activation the user sets it with the printed code."""
    password = None if activation else _read_password(username)
    try:
        user = users.create_user(None, username, full_name, role, password, nip)
        code = users.issue_activation_code(None, user) if activation else None
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc.message)) from exc
    click.echo(f"Created {user.username} ({user.role}).")
    if code:
        click.echo(f"Activation code (once, valid 24 hours, at /activate): {code}")


def _account(username: str) -> users.User:
    user = db.session.execute(db.select(users.User).where(
        users.User.username == username.strip().lower())).scalar_one_or_none()
    if user is None:
        raise click.ClickException(f"No account {username}.")
    return user


@user_cli.command("reset-password")
@click.argument("username")
def reset_password_command(username: str) -> None:
    """End the password and every session; print an activation code for the user."""
    code = users.reset_password(None, _account(username))
    click.echo(f"Password of {username} reset. Activation code (once, valid 24 hours, "
               f"at /activate): {code}")


@user_cli.command("reset-totp")
@click.argument("username")
def reset_totp_command(username: str) -> None:
    """Phone and recovery codes both lost: the next login sets up the app again.
    (No screen offers this, so no administrator can remove someone's second factor.)"""
    users.reset_totp(None, _account(username))
    click.echo(f"Second factor of {username} removed; it is set up again at the next login.")


@audit_cli.command("verify")
def verify_audit_command() -> None:
    """Check the whole chain (links and HMACs) and every anchor; exit 1 on the first
    problem (a bad entry, or a missing tail), 0 with a summary when intact."""
    from models.audit import verify

    report = verify()
    if not report.ok:
        click.echo(f"Audit chain BROKEN: {report.problem}.", err=True)
        sys.exit(1)
    last = report.last_anchor
    anchor = (f"last anchor: entry {last.entry_id} at {last.written_at:%Y-%m-%d %H:%M} UTC"
              if last else "no anchors yet")
    legacy = (f"; entries up to {report.legacy_until} predate the key (sha256)"
              if report.legacy_until else "")
    click.echo(f"Audit chain intact: {report.checked} entries"
               + (f" (#{report.first_id}-#{report.last_id})" if report.entries else "")
               + f", {len(report.anchors)} anchor lines checked; {anchor}{legacy}.")


@audit_cli.command("anchor")
def anchor_audit_command() -> None:
    """Append the chain head (entry id + HMAC) to the anchor file (run at least daily)."""
    from models.audit import anchor_head, anchor_path

    anchor = anchor_head()
    if anchor is None:
        click.echo("The audit log is empty: nothing to anchor.")
        return
    click.echo(f"Anchored entry {anchor.entry_id} ({anchor.entry_hash[:16]}...) "
               f"in {anchor_path()}.")


@click.command("demo-data")
@click.option("--applicants", default=320, show_default=True, type=click.IntRange(1, 100_000))
@click.option("--if-empty", is_flag=True,
              help="On a database that has data already, only show the saved demo logins.")
@click.option("--seed", type=int, default=None,
              help="Another demo (default: the same fixed seed every time).")
def demo_data_command(applicants: int, if_empty: bool, seed: int | None) -> None:
    """Fill an EMPTY database with demo accounts, residents and the office's last 30
    days of work (replayed on a simulated clock); prints the logins."""
    from flask import current_app

    from demo.generate import DatabaseNotEmpty, generate

    saved = Path(current_app.instance_path) / "demo_logins.txt"
    try:
        logins = generate(applicants=applicants, seed=seed)
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


evaluation_cli = AppGroup("evaluation", help="The monthly evaluation (B8).")


@evaluation_cli.command("generate")
@click.option("--month", required=True, help="The office month, YYYY-MM.")
@click.option("--user", "username", default=None,
              help="The head of division generating it (default: the only active one).")
@click.option("--reason", default=None,
              help="Why it supersedes an acknowledged version (a closed month only).")
def generate_evaluation_command(month: str, username: str | None, reason: str | None
                                ) -> None:
    """Generate the month's evaluation PDF, as the head of division would."""
    from models import evaluations
    from models.permissions import HEAD_OF_DIVISION

    if username:
        user = _account(username)
    else:
        heads = db.session.execute(db.select(users.User).where(
            users.User.role == HEAD_OF_DIVISION, users.User.active.is_(True))).scalars().all()
        if len(heads) != 1:
            raise click.ClickException("Name the head of division with --user.")
        user = heads[0]
    try:
        report = evaluations.generate(month, user, reason)
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc.message)) from exc
    click.echo(f"Evaluation {report} generated: {report.pdf_path} sha256 {report.pdf_sha256}")


def register_cli(app: Flask) -> None:
    app.cli.add_command(user_cli)
    app.cli.add_command(evaluation_cli)
    app.cli.add_command(audit_cli)
    app.cli.add_command(demo_data_command)
    app.cli.add_command(seed_command)
