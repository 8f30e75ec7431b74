"""Exports for auditors: JSON lines, CSV (safe against formula injection) or syslog
(RFC 5424), each opening with the verification result of the chain it came from."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, TextIO

from sqlalchemy.orm import Session

from audit_log.chain import format_at
from audit_log.models import AuditEvent
from audit_log.search import AuditQuery, filtered, view
from audit_log.verify import VerifyResult

FORMATS = ("jsonl", "csv", "syslog")
CSV_COLUMNS = (
    "seq", "at", "actor", "acting_as", "host", "terminal", "action", "target_kind",
    "target_id", "region_code", "department_code", "outcome", "reason", "diff", "hash",
)  # fmt: skip
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "|", "%")


def csv_safe(value: Any) -> str:
    """A cell a spreadsheet will show as text, never run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def header(result: VerifyResult, q: AuditQuery) -> dict[str, Any]:
    return {
        "jzctl_audit_export": 1,
        "exported_at": format_at(datetime.now(UTC)),
        "filters": q.as_dict(),
        "verification": result.as_dict(),
    }


def _events(session: Session, q: AuditQuery, batch: int = 5000) -> Iterator[AuditEvent]:
    stmt = filtered(q).order_by(AuditEvent.seq)
    yield from session.scalars(stmt, execution_options={"yield_per": batch})


def _sd(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("]", "\\]")


def export(session: Session, q: AuditQuery, fmt: str, out: TextIO, result: VerifyResult) -> int:
    """Write the header and the matching events, oldest first; returns the events written."""
    head = header(result, q)
    n = 0
    if fmt == "jsonl":
        out.write(json.dumps(head, ensure_ascii=False) + "\n")
        for ev in _events(session, q):
            out.write(json.dumps(view(ev).as_dict(), ensure_ascii=False) + "\n")
            n += 1
    elif fmt == "csv":
        writer = csv.writer(out)
        writer.writerow([csv_safe("# " + json.dumps(head, ensure_ascii=False))])
        writer.writerow(CSV_COLUMNS)
        for ev in _events(session, q):
            d = view(ev).as_dict()
            d["diff"] = json.dumps(d["diff"], ensure_ascii=False)
            writer.writerow([csv_safe(d[c]) for c in CSV_COLUMNS])
            n += 1
    elif fmt == "syslog":
        verdict = "clean" if result.clean else f"DAMAGED first_bad_seq={result.first_bad_seq}"
        out.write(
            f"<110>1 {head['exported_at']} - jzctl - audit.export "
            f'[jz@53000 chain="{_sd(result.chain_id)}" verification="{verdict}" '
            f'events="{result.events}"] audit export\n'
        )
        for ev in _events(session, q):
            pri = 110 if ev.outcome == "ok" else 108  # facility 13 (log audit): info / warning
            out.write(
                f"<{pri}>1 {format_at(ev.at)} {ev.host or '-'} jzctl - {ev.action} "
                f'[jz@53000 seq="{ev.seq}" actor="{_sd(ev.actor)}" outcome="{ev.outcome}" '
                f'target="{_sd(ev.target_kind)}:{_sd(ev.target_id)}" hash="{ev.hash}"] '
                f"{ev.reason}\n"
            )
            n += 1
    else:
        raise ValueError(fmt)
    return n
