"""``jzctl``: the entry point. Only built commands are registered.

Start-up stays light: command modules import typer and the catalogue only; SQLAlchemy,
Textual and the domain services load inside the command that needs them.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

import typer

from console.cli import runtime
from console.i18n import language_from_env, normalise_language, set_language, t

VERSION = "0.1.0"


def _version(value: bool) -> None:
    if value:
        runtime.echo(f"jzctl {VERSION}")
        raise typer.Exit(0)


def build_app() -> typer.Typer:
    from console.cli import (
        account,
        activate,
        audit,
        backup,
        calendar,
        case,
        change,
        db,
        demo,
        doctor,
        drill,
        incident,
        init,
        key,
        login,
        logout,
        org,
        passwd,
        plan,
        policy,
        review,
        role,
        status,
        tui,
        whoami,
    )

    app = typer.Typer(
        name="jzctl",
        help=t("cli.app_help"),
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
        rich_markup_mode=None,
        context_settings={"help_option_names": ["-h", "--help"]},
    )

    @app.callback()
    def _root(
        db_url: str | None = typer.Option(
            None, "--db", metavar="URL", help=t("cli.opt_db"), envvar=None
        ),
        json_out: bool = typer.Option(False, "--json", help=t("cli.opt_json")),
        lang: str | None = typer.Option(None, "--lang", metavar="zh|en", help=t("cli.opt_lang")),
        version: bool = typer.Option(
            False, "--version", callback=_version, is_eager=True, help=t("cli.opt_version")
        ),
    ) -> None:
        if lang is not None:
            norm = normalise_language(lang)
            if norm is None:
                raise typer.BadParameter(t("cli.bad_lang", lang=lang), param_hint="--lang")
            set_language(norm)
        runtime.settings.db_url = db_url
        runtime.settings.json = json_out
        runtime.settings.lang = normalise_language(lang) or language_from_env()

    init.register(app)
    demo.register(app)
    tui.register(app)
    login.register(app)
    activate.register(app)
    logout.register(app)
    whoami.register(app)
    passwd.register(app)
    status.register(app)
    doctor.register(app)
    app.add_typer(db.app, name="db", help=t("cli.db_help"))
    app.add_typer(org.app, name="org", help=t("cli.org_help"))
    app.add_typer(audit.app, name="audit", help=t("cli.audit_help"))
    app.add_typer(role.app, name="role", help=t("cli.role_help"))
    app.add_typer(policy.app, name="policy", help=t("cli.policy_help"))
    app.add_typer(account.app, name="account", help=t("cli.account_help"))
    app.add_typer(key.app, name="key", help=t("cli.key_help"))
    app.add_typer(calendar.app, name="calendar", help=t("cli.calendar_help"))
    app.add_typer(change.app, name="change", help=t("cli.change_help"))
    app.add_typer(case.app, name="case", help=t("cli.case_help"))
    app.add_typer(review.app, name="review", help=t("cli.review_help"))
    app.add_typer(backup.app, name="backup", help=t("cli.backup_help"))
    app.add_typer(incident.app, name="incident", help=t("cli.incident_help"))
    app.add_typer(plan.app, name="plan", help=t("cli.plan_help"))
    app.add_typer(drill.app, name="drill", help=t("cli.drill_help"))
    return app


def _prescan(argv: Sequence[str]) -> None:
    """Language and --json must be known before the app is built (help texts) and
    before option parsing can fail (usage errors honour --json)."""
    lang = language_from_env()
    for i, arg in enumerate(argv):
        if arg == "--lang" and i + 1 < len(argv):
            lang = normalise_language(argv[i + 1]) or lang
        elif arg.startswith("--lang="):
            lang = normalise_language(arg.split("=", 1)[1]) or lang
        elif arg == "--":
            break
    set_language(lang)
    runtime.settings.lang = lang
    runtime.settings.json = "--json" in argv


_USAGE_PATTERNS: tuple[tuple[str, str], ...] = (
    (r"No such command '(?P<name>[^']+)'\.(?: Did you mean '(?P<hint>[^']+)'\?)?", "no_command"),
    (r"No such option: (?P<name>\S+?)(?:\s+Did you mean (?P<hint>\S+?)\?)?$", "no_option"),
    (r"Missing argument '(?P<name>[^']+)'", "missing_argument"),
    (r"Missing option '(?P<name>[^']+)'", "missing_option"),
    (r"Option '(?P<name>[^']+)' requires an argument", "needs_value"),
    (r"Got unexpected extra argument(?:s|\(s\))? \((?P<name>.*)\)", "extra"),
    (r"Invalid value for (?P<name>.+?): (?P<hint>.+)", "invalid_value"),
)


def _usage_reason(message: str) -> str:
    """typer's own usage messages, said in the interface language where we know them."""
    import re

    text = message.strip().rstrip(".")
    for pattern, key in _USAGE_PATTERNS:
        m = re.fullmatch(pattern, text, re.DOTALL)
        if m:
            said = t(f"cli.usage.{key}", name=m["name"], hint=m.groupdict().get("hint") or "")
            if key in ("no_command", "no_option") and m["hint"]:
                said += t("cli.usage.did_you_mean", hint=m["hint"])
            return said
    return text


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    _prescan(args)
    app = build_app()
    try:
        rv = app(args=args, prog_name="jzctl", standalone_mode=False)
    except typer.TyperException as exc:
        if type(exc).__name__ == "NoArgsIsHelpError":
            # A bare group name is a request for its help, not a mistake.
            sys.stderr.write(exc.format_message() + "\n")
            return runtime.EXIT_USAGE
        code = getattr(exc, "exit_code", runtime.EXIT_USAGE)
        reason = _usage_reason(exc.format_message())
        runtime.report_error("usage", t("cli.usage_error", reason=reason), t("cli.usage_hint"))
        return int(code) if code else runtime.EXIT_USAGE
    except typer.Abort:
        runtime.report_error("aborted", t("cli.aborted"))
        return 1
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # pragma: no cover - commands are guarded; this is the net
        return runtime.render_unexpected(exc)
    finally:
        sys.stdout.flush()
    return rv if isinstance(rv, int) else 0


def entry() -> None:  # pragma: no cover - console script shim
    code = main()
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    sys.exit(code)
