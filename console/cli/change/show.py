"""``jzctl change show ID``: state, target (masked), the chain route, who acted (and for
whom), the deadline and the payload as before → after."""

from __future__ import annotations

from typing import Any

from console.cli import runtime
from console.cli.change import _common as c
from console.i18n import t


def run(request_id: int = c.REQUEST_ID) -> None:
    from accounts import changes
    from casedb.models import Account
    from console.cli.account._common import echo_pairs, show_time

    db = runtime.open_database()
    runtime.operator(db)
    with db.read() as s:
        view = changes.get(s, request_id)

        def login(account_id: int | None) -> str:
            if account_id is None:
                return "-"
            found = s.get(Account, account_id)
            return found.login_name if found is not None else str(account_id)

        def acted(by: int | None, for_: int | None) -> str:
            if by is None:
                return "-"
            if for_ is None:
                return login(by)
            return t("change.acting_for", login=login(by), principal=login(for_))

        target = s.get(Account, view.target_account_id) if view.target_account_id else None
        before: dict[str, Any] = {}
        if target is not None:
            before = {
                "post": target.post,
                "full_name": c.mask_name(target.full_name),
                "status": target.status,
            }
        people = {
            "target": login(view.target_account_id),
            "target_name": c.mask_name(target.full_name) if target is not None else "-",
            "submitted_by": login(view.submitted_by),
            "reviewed": acted(view.reviewed_by, view.reviewed_for),
            "executed": acted(view.executed_by, view.executed_for),
        }
    after = {k: v for k, v in view.payload.items() if k != "full_name"}
    if "full_name" in view.payload:
        after["full_name"] = c.mask_name(str(view.payload["full_name"]))
    data = {**c.view_data(view), **people, "before": before, "after": after}

    def human() -> None:
        changed = sorted(set(before) | set(after))
        pairs = [
            (t("change.f_id"), str(view.id)),
            (t("change.f_kind"), t(f"change.kind.{view.kind}")),
            (t("change.f_state"), t(f"change.state.{view.state}")),
            (t("change.f_target"), f"{people['target']} ({people['target_name']})"),
            (t("change.f_unit"), view.target_unit),
            (
                t("change.f_route"),
                t(
                    "change.route",
                    reviewer_role=view.reviewer_role,
                    reviewer_unit=view.reviewer_unit,
                    executor_role=view.executor_role,
                    executor_unit=view.executor_unit,
                ),
            ),
            (t("change.f_submitted_by"), people["submitted_by"]),
            (t("change.f_reviewed_by"), people["reviewed"]),
            (t("change.f_executed_by"), people["executed"]),
            (t("change.f_deadline"), show_time(view.deadline)),
            (t("change.f_reason"), view.reason),
            (t("change.f_doc_no"), view.doc_no or "-"),
        ]
        if view.rejected_reason:
            pairs.append((t("change.f_rejected_reason"), view.rejected_reason))
        for key in changed:
            old, new = before.get(key, "-"), after.get(key, "-")
            pairs.append((t("change.f_payload", field=key), f"{old} → {new}"))
        echo_pairs(pairs)

    runtime.emit(data, human)
