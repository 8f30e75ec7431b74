"""``jzctl account mfa LOGIN --reset``: clear someone's TOTP enrolment (an admin in scope,
never for their own account), so they enrol again at their next sign-in.
``jzctl account mfa --enrol``: the signed-in person enrols, or re-enrols, TOTP: the otpauth
URI and the secret are shown once, and a code from the authenticator confirms them; until
then nothing changes."""

from __future__ import annotations

import typer

from console.cli import runtime
from console.i18n import t

TOTP_TRIES = 3
ACTION_TOTP_RESET = "account.totp_reset"


def _show(text: str) -> None:
    # With --json stdout carries the one result document; the enrolment talks on stderr.
    (runtime.note if runtime.settings.json else runtime.echo)(text)


def _reset(login: str) -> None:
    from accounts.cli_support import account_id_by_login
    from accounts.credentials import reset_totp
    from audit_log.chain import record_refusal
    from casedb.errors import NotFound, PermissionDenied
    from casedb.models import Account
    from rbac.templates import ACCOUNT_UPDATE

    db = runtime.open_database()
    op = runtime.operator(db)
    target = account_id_by_login(db, login)
    with db.read() as s:
        account = s.get(Account, target)
        if account is None:
            raise NotFound("err.account_not_found", account=login.strip()[:64])
        region, department, name = account.region_code, account.department_code, account.login_name

    def refuse(error: PermissionDenied) -> PermissionDenied:
        record_refusal(db.uow(), op.actor, ACTION_TOTP_RESET, reason=error.key,
                       target_kind="account", target_id=str(target), region=region,
                       department=department)  # fmt: skip
        return error

    if target == op.account_id:
        raise refuse(PermissionDenied("err.mfa_reset_own_account"))
    try:
        op.authorize(op.actor, ACCOUNT_UPDATE, region, department)
    except PermissionDenied as exc:
        raise refuse(exc) from None
    with db.uow() as uow:
        had = reset_totp(uow.session, target, op.actor)
        uow.commit()

    def human() -> None:
        runtime.echo(t("account.mfa_reset_done" if had else "account.mfa_reset_none", login=name))

    runtime.emit({"login_name": name, "was_enrolled": had}, human)


def _enrol() -> None:
    from accounts.credentials import new_totp, replace_totp
    from casedb.errors import InvalidInput

    db = runtime.open_database()
    op = runtime.operator(db)
    uri, secret = new_totp(op.actor.login)
    _show(t("account.mfa_enrol_intro"))
    _show(f"  {uri}")
    _show(t("activate.totp_secret", secret=secret))
    for attempt in range(1, TOTP_TRIES + 1):
        code = str(typer.prompt(t("activate.prompt_totp"), err=True))
        try:
            with db.uow() as uow:
                replace_totp(uow.session, op.account_id, secret, code, actor=op.actor)
                uow.commit()
            break
        except InvalidInput:
            if attempt == TOTP_TRIES:
                raise
            runtime.note(t("err.totp_invalid"))
    runtime.emit(
        {"login_name": op.actor.login, "totp_enrolled": True},
        lambda: runtime.echo(t("account.mfa_enrolled", login=op.actor.login)),
    )


def run(
    login: str | None = typer.Argument(None, metavar="[LOGIN]", help=t("cli.arg_mfa_login")),
    reset: bool = typer.Option(False, "--reset", help=t("cli.opt_mfa_reset")),
    enrol: bool = typer.Option(False, "--enrol", help=t("cli.opt_mfa_enrol")),
) -> None:
    from casedb.errors import UsageProblem

    if reset and not enrol and login is not None:
        _reset(login)
    elif enrol and not reset and login is None:
        _enrol()
    else:
        raise UsageProblem("err.mfa_usage")
