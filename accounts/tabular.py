"""Reading what people bring: a CSV (UTF-8, with or without the BOM Excel writes) or the
first sheet of an XLSX workbook, as rows of text cells. Each error is one clear sentence."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from pathlib import Path
from typing import Any
from zipfile import BadZipFile

from casedb.errors import InvalidInput, NotFound


def cell(value: Any) -> str:
    """A cell as text: Excel keeps codes as numbers (530102001001.0) and dates as datetimes."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def read_grid(path: Path) -> list[list[str]]:
    if not path.is_file():
        raise NotFound("err.file_not_found", path=str(path))
    suffix = path.suffix.lower()
    if suffix == ".csv":
        try:
            text = path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError as exc:
            raise InvalidInput("err.file_not_utf8", path=str(path)) from exc
        return list(csv.reader(io.StringIO(text)))
    if suffix == ".xlsx":
        from openpyxl import load_workbook
        from openpyxl.utils.exceptions import InvalidFileException

        try:
            wb = load_workbook(path, read_only=True, data_only=True)
        except (InvalidFileException, BadZipFile, OSError, KeyError, ValueError) as exc:
            raise InvalidInput("err.file_not_xlsx", path=str(path)) from exc
        try:
            return [[cell(v) for v in row] for row in wb.worksheets[0].iter_rows(values_only=True)]
        finally:
            wb.close()
    raise InvalidInput("err.file_type", path=str(path))


def body_rows(raw: list[list[str]], header: list[str]) -> list[tuple[int, dict[str, str]]]:
    """(line number, {column: cell}) for every non-blank row under the header."""
    rows = []
    for i, cells in enumerate(raw[1:], start=2):
        if not any(c.strip() for c in cells):
            continue
        rows.append(
            (i, {h: (cells[j] if j < len(cells) else "") for j, h in enumerate(header) if h})
        )
    return rows
