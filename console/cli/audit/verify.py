"""``jzctl audit verify [--from SEQ] [--anchors FILE]``: exit 0 only when the chain is clean."""

from __future__ import annotations

from pathlib import Path

import typer

from console.cli import runtime
from console.cli.audit._reader import audit_reader
from console.i18n import t


def run(
    from_seq: int | None = typer.Option(
        None, "--from", min=1, metavar="SEQ", help=t("cli.opt_from_seq")
    ),
    anchor_file: Path | None = typer.Option(
        None, "--anchors", metavar="FILE", help=t("cli.opt_anchor_file")
    ),
) -> None:
    from audit_log.service import verify_chain

    db = runtime.open_database()
    actor, may_read = audit_reader(db)
    with runtime.progress(t("audit.progress_verify")) as advance:
        result = verify_chain(
            db,
            actor,
            may_read=may_read,
            from_seq=from_seq,
            anchor_file=anchor_file,
            progress=advance,
        )
    data = result.as_dict()

    def human() -> None:
        if result.clean and result.events == 0:
            runtime.echo(t("audit.verify_empty"))
        elif result.clean:
            runtime.echo(
                t(
                    "audit.verify_clean",
                    events=result.events,
                    first=result.first_seq,
                    last=result.last_seq,
                    anchors=result.anchors,
                    last_anchor=result.last_anchor or "-",
                    tail=result.unanchored_tail,
                )
            )
        else:
            runtime.echo(
                t(
                    "audit.verify_damaged",
                    count=len(result.findings),
                    first_bad=result.first_bad_seq or "-",
                )
            )
            for f in result.findings:
                detail = " ".join(f"{k}={v}" for k, v in f.detail.items())
                runtime.echo(
                    t(
                        "audit.finding",
                        kind=t(f"audit.kind.{f.kind}"),
                        seq=f.seq or "-",
                        detail=detail,
                    )
                )

    runtime.emit(data, human)
    if not result.clean:
        raise typer.Exit(1)
