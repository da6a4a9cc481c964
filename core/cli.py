"""The `quita` command line (typer). Plugins add commands through `register_cli_commands`.

Every command has a pt-BR help text; long work shows a progress bar (rich).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Optional

import typer

from core.config import DEFAULT_DATABASE_URL, config_path, load_config, render_default_config
from core.errors import QuitaError

HELP = "Quita — ERP financeiro para provedores de internet e telecom."

db_app = typer.Typer(help="Banco de dados: migrações.", no_args_is_help=True)
user_app = typer.Typer(help="Usuários e papéis.", no_args_is_help=True)


def fail(message: str, code: int = 2) -> None:
    typer.secho(f"Erro: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code)


def echo_rows(rows: list[dict], *, as_json: bool, empty: str, line) -> None:
    """A listing command's output: the rows as one JSON array (`--json`), the `empty` message when
    there is none, or one `line(row)` per row."""
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False))
    elif not rows:
        typer.echo(empty)
    else:
        for r in rows:
            typer.echo(line(r))


def runtime(check_schema: bool = False):
    """Bootstrap the runtime for a command; configuration problems end the command cleanly."""
    from core.runtime import bootstrap

    try:
        return bootstrap(check_schema=check_schema)
    except QuitaError as exc:
        fail(str(exc))


def build_app(plugins=None) -> typer.Typer:
    app = typer.Typer(help=HELP, no_args_is_help=True, add_completion=False)
    app.add_typer(db_app, name="db")
    app.add_typer(user_app, name="user")
    from core.jobs_cli import jobs_app

    app.add_typer(jobs_app, name="jobs")
    app.command("init")(init)
    app.command("plugins")(plugins_cmd)
    app.command("serve")(serve)
    app.command("demo")(demo)
    if plugins is not None:
        plugins.pm.hook.register_cli_commands(cli=app)
        _refuse_duplicate_commands(app)
    return app


def _refuse_duplicate_commands(app: typer.Typer) -> None:
    """Two plugins (or a plugin and the kernel) must not claim the same command name."""
    from core.errors import ConfigError

    seen: set[str] = set()
    names = [c.name or c.callback.__name__.replace("_", "-") for c in app.registered_commands]
    names += [g.name for g in app.registered_groups]
    for name in names:
        if name in seen:
            raise ConfigError("plugins", f"o comando 'quita {name}' foi registrado mais de uma vez")
        seen.add(name)


def init(
    database: str = typer.Option(DEFAULT_DATABASE_URL, "--database", help="URL do banco (sqlite:///… ou postgresql+psycopg://…)."),
    config: Optional[Path] = typer.Option(None, "--config", help="Arquivo de configuração a criar (padrão: quita.toml ou $QUITA_CONFIG)."),
    plugins: Optional[str] = typer.Option(None, "--plugins", help="Plugins habilitados, separados por vírgula (padrão: todos os embutidos)."),
    force: bool = typer.Option(False, "--force", help="Sobrescrever um arquivo de configuração existente."),
):
    """Cria o arquivo de configuração e prepara o banco de dados (aplica as migrações)."""
    path = config_path(config)
    if path.exists() and not force:
        typer.echo(f"Configuração já existe: {path} (use --force para recriar)")
    else:
        enabled = [p.strip() for p in plugins.split(",") if p.strip()] if plugins is not None else None
        path.write_text(render_default_config(database, enabled), encoding="utf-8")
        typer.echo(f"Configuração criada: {path}")
    os.environ["QUITA_CONFIG"] = str(path)
    _upgrade()


@db_app.command("upgrade")
def db_upgrade():
    """Aplica as migrações do núcleo e de todos os plugins habilitados."""
    _upgrade()


def _upgrade():
    from core import migrate

    rt = runtime()
    changed = migrate.upgrade(rt, echo=lambda c: typer.echo(f"  migrado: {c}"))
    typer.echo("Banco de dados atualizado." if changed else "Banco de dados já estava atualizado.")


@db_app.command("revision")
def db_revision(
    component: str = typer.Option(..., "--component", help="'core' ou o nome do plugin."),
    message: str = typer.Option(..., "-m", "--message", help="Descrição da migração."),
    empty: bool = typer.Option(False, "--empty", help="Não comparar com os modelos (migração vazia)."),
):
    """Gera uma nova migração para o núcleo ou um plugin, comparando modelos e banco."""
    from core import migrate

    rt = runtime()
    path = migrate.revision(rt, component, message, autogenerate=not empty)
    typer.echo(f"Migração criada: {path}")


@db_app.command("status")
def db_status():
    """Mostra os componentes com migrações pendentes."""
    from core import migrate

    behind = migrate.pending(runtime())
    if behind:
        typer.echo("Pendentes: " + ", ".join(behind) + " — execute: quita db upgrade")
        raise typer.Exit(1)
    typer.echo("Nenhuma migração pendente.")


def plugins_cmd(as_json: bool = typer.Option(False, "--json", help="Saída em JSON.")):
    """Lista os plugins instalados: nome, versão, habilitado, dependências e hooks."""
    from core.plugins import KERNEL, describe_all

    try:
        infos = [i for i in describe_all(load_config()) if i.name != KERNEL]
    except QuitaError as exc:
        fail(str(exc))
    if as_json:
        typer.echo(json.dumps([i.as_dict() for i in infos], ensure_ascii=False, indent=2))
        return
    for i in infos:
        mark = "habilitado" if i.enabled else "desabilitado"
        req = f" requer: {', '.join(i.requires)}" if i.requires else ""
        typer.echo(f"{i.name:16} {i.version:8} {mark:13}{req}")
        if i.hooks:
            typer.echo(f"{'':16} hooks: {', '.join(i.hooks)}")
        if i.load_error:
            typer.echo(f"{'':16} erro ao carregar: {i.load_error}")


def serve(
    host: str = typer.Option("127.0.0.1", help="Endereço de escuta."),
    port: int = typer.Option(8000, help="Porta."),
):
    """Inicia a interface web (recusa iniciar com migrações pendentes)."""
    import uvicorn

    from core.web.app import create_app

    rt = runtime(check_schema=True)
    typer.echo(f"Quita em http://{host}:{port}/")
    uvicorn.run(create_app(rt), host=host, port=port, log_level="info")


def demo(
    customers: int = typer.Option(3000, "--customers", help="Quantidade de clientes de demonstração."),
    seed: int = typer.Option(42, "--seed", help="Semente do gerador (dados reprodutíveis)."),
):
    """Carrega dados de demonstração realistas (empresas, clientes com CPF/CNPJ válidos, usuários)."""
    from core.demo import load_demo

    rt = runtime(check_schema=True)
    load_demo(rt, customers=customers, seed=seed, echo=typer.echo)


@user_app.command("add")
def user_add(
    username: str = typer.Argument(..., help="Login do usuário."),
    password: str = typer.Option(..., "--password", prompt=True, hide_input=True, help="Senha."),
    full_name: str = typer.Option("", "--name", help="Nome completo."),
    admin: bool = typer.Option(False, "--admin", help="Administrador (todas as permissões)."),
    role: list[str] = typer.Option([], "--role", help="Papel (repita para vários)."),
):
    """Cria um usuário com senha (hash argon2) e papéis."""
    from core.auth import create_user
    from core.db import unit_of_work

    rt = runtime(check_schema=True)
    try:
        with unit_of_work(rt.engine) as s:
            user = create_user(s, username, password, full_name=full_name, is_admin=admin, roles=role)
            uid = user.id
    except QuitaError as exc:
        fail(str(exc))
    typer.echo(f"Usuário criado: {username} (id {uid})")


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    # `init` and help must work even before a valid configuration exists.
    lenient = not argv or argv[0] in ("init", "--help", "-h")
    plugins = None
    from core.plugins import load_plugins

    try:
        plugins = load_plugins(load_config())
    except QuitaError as exc:
        if not lenient:
            typer.secho(f"Erro: {exc}", fg=typer.colors.RED, err=True)
            raise SystemExit(2)
        if argv and argv[0] != "init":
            typer.secho(f"Aviso: comandos dos plugins indisponíveis — {exc}", fg=typer.colors.YELLOW, err=True)
    try:
        app = build_app(plugins)
    except QuitaError as exc:
        typer.secho(f"Erro: {exc}", fg=typer.colors.RED, err=True)
        raise SystemExit(2)
    app(args=argv, prog_name="quita")


if __name__ == "__main__":
    main()
