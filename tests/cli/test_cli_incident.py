"""``jzctl incident``, ``plan`` and ``drill`` through the entry point: an incident walked from
open to report, every attempt to edit or delete a timeline note refused, refusals (exit 3),
bad input (one sentence, exit 5 or 2), plans edited into versions, drills run and listed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from casedb.engine import Database
from tests.support.people import cheap_hashing, make_person, sign_in_as

CliRun = Any
PROVINCE = "530000000000"


@pytest.fixture(autouse=True)
def _cheap() -> Iterator[None]:
    with cheap_hashing():
        yield


@pytest.fixture
def people(cli: CliRun, db_url: str) -> Iterator[Database]:
    assert cli("--db", db_url, "--json", "init").exit_code == 0
    db = Database(db_url)
    for login, role in (("sec", "security_admin"), ("sys", "system_admin"),
                        ("auditor", "audit_admin")):  # fmt: skip
        make_person(db, login, region=PROVINCE, department="coord", role=role,
                    role_department="*")  # fmt: skip
    make_person(db, "clerk", role="caseworker")
    yield db
    db.dispose()


def _notes(db: Database) -> list[tuple[Any, ...]]:
    with db.read() as s:
        return [tuple(r) for r in s.execute(sa.text(
            "SELECT id, seq, kind, body FROM incident_notes ORDER BY id")).all()]  # fmt: skip


def test_incident_walked_from_open_to_report(
    cli: CliRun, db_url: str, people: Database, tmp_path: Path
) -> None:
    def run(*args: str) -> Any:
        return cli("--db", db_url, *args)

    sign_in_as(people, "sec")
    res = run("--json", "incident", "open", "--category", "network_attack", "--grade", "II",
              "--title", "管理员账号异常登录", "--reporter", "值班员", "--systems", "政府端")  # fmt: skip
    assert res.exit_code == 0, res.stderr
    doc = json.loads(res.stdout)["data"]
    iid = str(doc["id"])
    assert doc["deadline"] == "due" and doc["plan"]["code"] == "network_attack"
    assert len(doc["plan_steps"]) == 6 and 0 < doc["seconds_left"] <= 4 * 3600
    human = run("incident", "open", "--category", "disaster", "--grade", "IV", "--title", "机房停电",
                "--reporter", "运维")  # fmt: skip
    assert human.exit_code == 0 and "灾害性事件应急预案" in human.stdout
    assert run("incident", "note", iid, "已停用可疑账号").exit_code == 0
    assert run("incident", "note", iid, "--step", "2").exit_code == 0
    assert run("incident", "note", iid, "--link", "audit:1").exit_code == 0
    assert run("incident", "note", iid, "--step", "9").exit_code == 5
    assert run("incident", "note", iid, "--link", "x:1").exit_code == 5
    assert run("incident", "status", iid, "contained", "--note", "已控制").exit_code == 0
    back = run("incident", "status", iid, "open")
    assert back.exit_code == 6 and "只能向前" in back.stderr and "Traceback" not in back.stderr
    shown = run("incident", "show", iid)
    assert shown.exit_code == 0, shown.stderr
    assert "[x] 2." in shown.stdout and "已停用可疑账号" in shown.stdout and "还剩" in shown.stdout
    out = tmp_path / "report.md"
    rep = run("incident", "report", iid, "--out", str(out), "--submitted", "--note", "电话报告")
    assert rep.exit_code == 0, rep.stderr
    text = out.read_text("utf-8")
    assert (
        text.startswith("# 网络安全事件报告")
        and "已于" in text
        and "| 类别 | 网络攻击事件 |" in text
    )
    assert run("incident", "report", iid, "--submitted").exit_code == 6
    en = run("--lang", "en", "incident", "report", iid)
    assert en.exit_code == 0 and "Cybersecurity incident report" in en.stdout
    listed = json.loads(run("--json", "incident", "list", "--open").stdout)["data"]
    assert {i["id"] for i in listed["items"]} == {int(iid), int(iid) + 1}
    filing = run("--json", "incident", "open", "--filing", "--category", "system_upgrade",
                 "--title", "医保接口升级", "--reporter", "医保局")  # fmt: skip
    assert filing.exit_code == 0
    assert json.loads(filing.stdout)["data"]["deadline"] == "none"
    # The audit admin reads but does not write; a caseworker does neither (recorded).
    sign_in_as(people, "auditor")
    assert run("incident", "show", iid).exit_code == 0
    assert run("incident", "note", iid, "x").exit_code == 3
    sign_in_as(people, "clerk")
    assert run("incident", "list").exit_code == 3
    assert run("incident", "open", "--category", "other", "--grade", "IV", "--title", "t",
               "--reporter", "r").exit_code == 3  # fmt: skip


def test_timeline_notes_cannot_be_edited_or_deleted_by_any_command(
    cli: CliRun, db_url: str, people: Database
) -> None:
    def run(*args: str) -> Any:
        return cli("--db", db_url, *args)

    sign_in_as(people, "sec")
    res = run("--json", "incident", "open", "--category", "other", "--grade", "III",
              "--title", "测试", "--reporter", "r")  # fmt: skip
    iid = str(json.loads(res.stdout)["data"]["id"])
    assert run("incident", "note", iid, "原始记录").exit_code == 0
    before = _notes(people)
    attempts = [
        ("incident", "note", iid, "--edit", "2", "改写"),
        ("incident", "note", iid, "--seq", "2", "改写"),
        ("incident", "note", iid, "--delete", "2"),
        ("incident", "edit", iid, "2", "改写"),
        ("incident", "delete", iid),
        ("incident", "delete-note", iid, "2"),
        ("incident", "update", iid, "2", "改写"),
        ("incident", "close", iid),
        ("incident", "status", iid, "reopen"),
        ("incident", "note", iid, "--corrects", "99", "更正"),
        ("incident", "note", iid, "--corrects", "2", "--step", "1", "x"),
    ]
    for args in attempts:
        res = run(*args)
        assert res.exit_code in (2, 4, 5), (args, res.exit_code, res.stderr)
        assert "Traceback" not in res.stderr
    assert _notes(people) == before
    fixed = run("--json", "incident", "note", iid, "--corrects", "2", "更正：应为测试二")
    assert fixed.exit_code == 0
    assert json.loads(fixed.stdout)["data"]["kind"] == "correction"
    after = _notes(people)
    assert after[: len(before)] == before and len(after) == len(before) + 1


def test_bad_input_is_one_sentence(cli: CliRun, db_url: str, people: Database) -> None:
    sign_in_as(people, "sec")
    for args, code in [
        (("incident", "open", "--category", "nope", "--grade", "I", "--title", "t",
          "--reporter", "r"), 5),
        (("incident", "open", "--category", "other", "--title", "t", "--reporter", "r"), 5),
        (("incident", "open", "--category", "other", "--grade", "I", "--title", "t",
          "--reporter", "r", "--detected", "yesterday-ish"), 5),
        (("incident", "show", "999"), 4),
        (("incident", "show", "abc"), 2),
        (("incident", "list", "--status", "weird"), 5),
        (("plan", "show", "nope"), 4),
        (("drill", "run"), 2),
        (("drill", "run", "fire"), 5),
        (("drill", "list", "--months", "0"), 5),
    ]:  # fmt: skip
        res = cli("--db", db_url, *args)
        assert res.exit_code == code, (args, res.exit_code, res.stderr)
        assert "Traceback" not in res.stderr and res.stderr.count("\n") == 1, res.stderr
    with people.read() as s:
        assert s.execute(sa.text("SELECT count(*) FROM incidents")).scalar_one() == 0


def test_plans_are_listed_shown_and_edited_into_versions(
    cli: CliRun, db_url: str, people: Database, tmp_path: Path
) -> None:
    def run(*args: str) -> Any:
        return cli("--db", db_url, *args)

    sign_in_as(people, "auditor")
    listed = json.loads(run("--json", "plan", "list").stdout)["data"]["items"]
    assert {p["code"] for p in listed} >= {"network_attack", "disaster", "other"}
    source = run("plan", "show", "other", "--source").stdout
    assert 'code = "other"' in source
    new = tmp_path / "other.toml"
    new.write_text(
        source + '\n[[steps]]\ntitle = "向省网信办通报"\nowner_role = "security_admin"\n'
    )
    assert run("plan", "edit", "other", "--from", str(new)).exit_code == 3
    sign_in_as(people, "sec")
    res = run("--json", "plan", "edit", "other", "--from", str(new), "--reason", "增加通报步骤")
    assert res.exit_code == 0, res.stderr
    assert json.loads(res.stdout)["data"]["version"] == 2
    assert run("plan", "edit", "other", "--from", str(new)).exit_code == 6
    bad = tmp_path / "bad.toml"
    bad.write_text('code = "other"\ncategory = "other"\ntitle = "x"\nowner_role = "nobody"\n'
                   '[[steps]]\ntitle = "a"\nowner_role = "security_admin"\n')  # fmt: skip
    res = run("plan", "edit", "other", "--from", str(bad))
    assert res.exit_code == 5 and "nobody" in res.stderr
    assert run("plan", "edit", "other", "--from", str(tmp_path / "missing.toml")).exit_code == 5
    hist = json.loads(run("--json", "plan", "show", "other", "--history").stdout)["data"]
    assert [h["version"] for h in hist["history"]] == [1, 2] and len(hist["steps"]) == 4
    assert json.loads(run("--json", "plan", "show", "other", "--version", "1").stdout)[
        "data"]["version"] == 1  # fmt: skip
    # An incident opened now follows version 2; the plan list shows it.
    opened = run("--json", "incident", "open", "--category", "other", "--grade", "IV",
                 "--title", "t", "--reporter", "r")  # fmt: skip
    assert json.loads(opened.stdout)["data"]["plan"] == {"code": "other", "version": 2}


def test_drills_plan_run_list(cli: CliRun, db_url: str, people: Database, tmp_path: Path) -> None:
    def run(*args: str) -> Any:
        return cli("--db", db_url, *args)

    sign_in_as(people, "sys")
    listed = json.loads(run("--json", "drill", "list").stdout)["data"]
    assert "information_destruction" in listed["overdue"]
    res = run("--json", "drill", "plan", "audit_tamper", "--participant", "sys",
              "--participant", "审计员")  # fmt: skip
    assert res.exit_code == 0, res.stderr
    did = str(json.loads(res.stdout)["data"]["id"])
    res = run("drill", "run", "--id", did)
    assert res.exit_code == 0, res.stderr
    assert "通过" in res.stdout and "[通过] 审计校验指出了篡改之处" in res.stderr
    res = run("--json", "drill", "run", "compromised_admin", "--target", "sec")
    assert res.exit_code == 0, res.stderr
    doc = json.loads(res.stdout)["data"]
    assert doc["state"] == "passed" and doc["figures"]["target"] == "sec"
    failed = run("drill", "run", "restore", "--dir", str(tmp_path / "no-backups"))
    assert failed.exit_code == 5 and "[失败] 找到最近一份校验通过的备份" in failed.stdout
    listed = json.loads(run("--json", "drill", "list").stdout)["data"]
    assert "information_destruction" not in listed["overdue"]
    assert "network_attack" not in listed["overdue"] and "other" in listed["overdue"]
    last = {p["plan"]: p["last_state"] for p in listed["plans"]}
    assert last["disaster"] == "failed" and last["network_attack"] == "passed"
    assert [d["state"] for d in listed["drills"]][:3] == ["failed", "passed", "passed"]
    assert run("drill", "list").exit_code == 0
    sign_in_as(people, "clerk")
    assert run("drill", "run", "audit_tamper").exit_code == 3
    assert run("drill", "list").exit_code == 3
