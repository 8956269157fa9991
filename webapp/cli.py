"""`flask --app webapp …` commands (DESIGN.md §9). Each calls a service function."""

from __future__ import annotations

import secrets
from datetime import datetime
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select

from models import User
from webapp.db import session_factory
from workflows import audit, calendar_admin, definitions, demo, setup
from workflows.accounts import create_user, issue_token
from workflows.errors import ServiceError
from workflows.instances import fire_due_timers

users = AppGroup("users", help="管理用户")
processes = AppGroup("processes", help="管理流程定义")
timers = AppGroup("timers", help="定时器")
audit_cli = AppGroup("audit", help="审计记录")
calendar_cli = AppGroup("calendar", help="工作日历")


def register(app: Flask) -> None:
    """Attach the command groups to the app."""
    for group in (users, processes, timers, audit_cli, calendar_cli):
        app.cli.add_command(group)
    app.cli.add_command(init)
    app.cli.add_command(seed_demo)


@click.command("init")
@with_appcontext
def init() -> None:
    """Migrate the database, seed the org tree and roles, deploy the bundled processes."""
    from models.migrate import upgrade  # here: alembic and mako stay out of every web worker

    upgrade(current_app.config["DATABASE_URL"])
    with session_factory()() as session:
        deployed = setup.initialize(session)
    click.echo(f"数据库已就绪；已发布流程：{', '.join(f'{d.key} v{d.version}' for d in deployed) or '无'}")


@click.command("seed-demo")
@with_appcontext
def seed_demo() -> None:
    """Demo users for every role in two counties and a few cases in flight (demo mode only)."""
    if not current_app.config["DEMO_MODE"]:
        raise click.ClickException("DEMO_MODE 未开启，拒绝创建演示账号")
    path = Path(current_app.config["UPLOAD_DIR"]).parent / "demo_password"
    password = (
        path.read_text().strip()
        if path.exists()
        else current_app.config.get("DEMO_PASSWORD") or ("Demo-" + secrets.token_hex(4))
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(password)
    path.chmod(0o600)
    with session_factory()() as session:
        accounts = demo.seed_demo(session, password)
    click.echo(f"演示账号（密码均为 {password}）：")
    for account in accounts:
        click.echo(f"  {account.username:<16} {account.display_name}  [{', '.join(account.roles)}]")


@users.command("create")
@click.argument("username")
@click.option("--role", "roles", required=True, help="角色，逗号分隔")
@click.option("--org-unit", required=True, help="组织机构代码")
@click.option("--password", required=True)
@click.option("--name", "display_name", default="")
def users_create(username: str, roles: str, org_unit: str, password: str, display_name: str) -> None:
    """Create or update a user."""
    with session_factory()() as session:
        try:
            create_user(session, username, password, roles.split(","), org_unit, display_name)
        except ServiceError as exc:
            raise click.ClickException(exc.message) from exc
        session.commit()
    click.echo(f"用户 {username} 已保存")


@users.command("token")
@click.argument("username")
def users_token(username: str) -> None:
    """Print a new API token for a user."""
    with session_factory()() as session:
        user = session.scalar(select(User).where(User.username == username))
        if user is None:
            raise click.ClickException(f"用户 {username} 不存在")
        token, _expires = issue_token(session, user, current_app.config["TOKEN_TTL_HOURS"])
        session.commit()
    click.echo(token)


@processes.command("deploy")
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
def processes_deploy(files: tuple[Path, ...]) -> None:
    """Lint, upload and deploy BPMN files."""
    with session_factory()() as session:
        for path in files:
            try:
                definition = definitions.deploy_file(session, path.read_bytes())
            except ServiceError as exc:
                session.rollback()
                details = "\n".join(exc.fields.get("findings", []))
                raise click.ClickException(f"{path}: {exc.message}\n{details}") from exc
            session.commit()
            click.echo(f"{path}: {definition.key} v{definition.version} 已发布")


@timers.command("fire")
@click.option("--at", "at", default=None, help="ISO 时间（默认：现在）")
def timers_fire(at: str | None) -> None:
    """Fire every timer due at that moment."""
    try:
        now = datetime.fromisoformat(at).astimezone() if at else None
    except ValueError as exc:
        raise click.BadParameter(f"无法解析时间 {at!r}") from exc
    with session_factory()() as session:
        fired = fire_due_timers(session, now)
    click.echo(f"已触发 {fired} 个流程实例的定时器")


@audit_cli.command("verify")
def audit_verify() -> None:
    """Verify every hash chain of the audit trail."""
    with session_factory()() as session:
        problems = audit.verify(session)
        total = audit.count(session)
    for problem in problems:
        click.echo(problem, err=True)
    if problems:
        raise click.ClickException(f"审计链校验失败：{len(problems)} 处问题")
    click.echo(f"审计链完整：{total} 条记录")


@calendar_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def calendar_import(file: Path) -> None:
    """Import a year's calendar (CSV: date,workday[,note]) as published by the State Council."""
    with session_factory()() as session:
        try:
            count, years = calendar_admin.import_csv(session, file.read_text(encoding="utf-8"))
        except ServiceError as exc:
            raise click.ClickException(exc.message) from exc
    click.echo(f"已导入 {count} 天（{', '.join(map(str, years))} 年）")
