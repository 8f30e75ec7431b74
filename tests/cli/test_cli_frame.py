"""The CLI contract: global options, JSON documents, exit codes, one-sentence errors."""

from __future__ import annotations

import json
from pathlib import Path

import sqlalchemy as sa

from casedb.engine import Database


def test_init_creates_then_reports_current(cli, db_url: str) -> None:  # type: ignore[no-untyped-def]
    first = cli("--db", db_url, "init")
    assert first.exit_code == 0, first.stderr
    from casedb.schema import HEAD

    assert HEAD in first.stdout and "1578" in first.stdout
    second = cli("--db", db_url, "--json", "init")
    data = json.loads(second.stdout)["data"]
    assert data["divisions_added"] == 0 and data["revision"] == HEAD
    current = cli("--db", db_url, "--json", "db", "current")
    assert json.loads(current.stdout)["data"]["state"] == "current"


def test_commands_on_an_uninitialised_database_say_to_run_init(cli, db_url: str) -> None:  # type: ignore[no-untyped-def]
    empty = Database(db_url)
    with empty.engine.connect():
        pass  # the file exists, the schema does not
    empty.dispose()
    res = cli("--db", db_url, "org", "tree")
    assert res.exit_code == 6
    assert "jzctl init" in res.stderr
    assert res.stdout == ""
    assert "Traceback" not in res.stderr


def test_a_missing_sqlite_file_is_not_found_and_not_created(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "none.db"
    res = cli("--db", f"sqlite:///{path}", "--json", "org", "tree")
    assert res.exit_code == 4
    err = json.loads(res.stdout)["error"]
    assert err["code"] == "not_found" and str(path) in err["message"]
    assert not path.exists()


def test_a_newer_database_is_refused(cli, db_url: str) -> None:  # type: ignore[no-untyped-def]
    assert cli("--db", db_url, "init").exit_code == 0
    db = Database(db_url)
    with db.engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = 'ffff'"))
    db.dispose()
    res = cli("--db", db_url, "--lang", "en", "org", "show", "53")
    assert res.exit_code == 6
    assert "newer than this jzctl" in res.stderr
    assert cli("--db", db_url, "db", "current").exit_code == 6
    assert cli("--db", db_url, "db", "upgrade").exit_code == 6


def test_org_tree_and_show(cli, db_url: str) -> None:  # type: ignore[no-untyped-def]
    cli("--db", db_url, "init")
    tree = cli("--db", db_url, "org", "tree", "5301", "--depth", "1")
    assert tree.exit_code == 0
    lines = tree.stdout.splitlines()
    assert lines[0].startswith("530100000000  昆明市")
    assert any("五华区" in ln and "10" in ln for ln in lines)
    deep = cli("--db", db_url, "--json", "org", "tree", "53", "--depth", "3")
    assert len(json.loads(deep.stdout)["data"]) == 1578
    show = cli("--db", db_url, "--lang", "en", "org", "show", "五华区")
    assert show.exit_code == 0
    assert "Yunnan" not in show.stdout  # names are data, not translated
    assert "云南省 > 昆明市 > 五华区" in show.stdout
    assert "Civil Affairs" in show.stdout
    doc = json.loads(cli("--db", db_url, "--json", "org", "show", "530102").stdout)["data"]
    assert [p["name"] for p in doc["path"]] == ["云南省", "昆明市", "五华区"]
    assert len(doc["departments"]) == 8


def test_org_import_reports_each_bad_row_and_changes_nothing(
    cli, db_url: str, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    cli("--db", db_url, "init")
    path = tmp_path / "v.csv"
    path.write_text("code,name\n530102001001,好村\n5301020010,短村\n530102001003,\n", "utf-8")
    res = cli("--db", db_url, "org", "import", str(path))
    assert res.exit_code == 5
    assert res.stdout == ""
    err_lines = res.stderr.splitlines()
    assert err_lines[0].startswith("错误：") and "--skip-bad" in err_lines[0]
    assert "第 3 行" in err_lines[1] and "12 位" in err_lines[1]
    assert "第 4 行" in err_lines[2] and "名称为空" in err_lines[2]
    tree = cli("--db", db_url, "--json", "org", "tree", "530102001", "--depth", "1")
    assert len(json.loads(tree.stdout)["data"]) == 1

    as_json = cli("--db", db_url, "--json", "--lang", "en", "org", "import", str(path))
    err = json.loads(as_json.stdout)["error"]
    assert err["code"] == "invalid_input"
    assert [d["line"] for d in err["details"]] == [3, 4]
    assert err["details"][1]["message"] == "the name is empty"

    ok = cli("--db", db_url, "org", "import", str(path), "--skip-bad")
    assert ok.exit_code == 0
    assert "新增 1" in ok.stdout and "跳过 2" in ok.stdout
    assert "已跳过第 3 行" in ok.stderr


def test_org_import_dry_run_writes_nothing(cli, db_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    cli("--db", db_url, "init")
    path = tmp_path / "v.csv"
    path.write_text("code,name\n530102001001,好村\n", "utf-8")
    res = cli("--db", db_url, "--json", "org", "import", str(path), "--dry-run")
    assert json.loads(res.stdout)["data"]["added"] == 1
    after = cli("--db", db_url, "--json", "org", "tree", "530102001", "--depth", "1")
    assert len(json.loads(after.stdout)["data"]) == 1


def test_usage_errors_exit_2_with_one_sentence(cli, db_url: str) -> None:  # type: ignore[no-untyped-def]
    cases = [
        ("org", "bogus"),
        ("--db", db_url, "org", "tree", "--depth", "x"),
        ("--db", db_url, "org", "tree", "--depth", "9"),
        ("--lang", "fr", "org", "tree"),
        ("nosuch",),
    ]
    for args in cases:
        res = cli(*args)
        assert res.exit_code == 2, args
        assert res.stderr.startswith("错误：命令用法有误"), (args, res.stderr)
        assert len(res.stderr.strip().splitlines()) == 1, res.stderr
        assert "Traceback" not in res.stderr
    as_json = cli("--json", "org", "bogus")
    assert json.loads(as_json.stdout)["error"]["code"] == "usage"


def test_bad_database_urls(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    res = cli("--db", "mysql://x@y/z", "org", "tree")
    assert res.exit_code == 5 and "SQLite" in res.stderr
    res = cli("--db", "::nonsense", "org", "tree")
    assert res.exit_code == 5
    res = cli("--db", "postgresql://nobody@127.0.0.1:1/x", "--json", "org", "tree")
    assert res.exit_code == 5
    assert "无法连接数据库" in json.loads(res.stdout)["error"]["message"]


def test_database_url_precedence(cli, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    env_db = tmp_path / "env.db"
    cfg_db = tmp_path / "cfg.db"
    cfg = Path(__import__("os").environ["XDG_CONFIG_HOME"]) / "jzctl" / "config.toml"
    cfg.parent.mkdir(parents=True)
    cfg.write_text(f'[database]\nurl = "sqlite:///{cfg_db}"\n', "utf-8")
    assert cli("--json", "init").exit_code == 0
    assert cfg_db.exists()
    monkeypatch.setenv("JZ_DATABASE_URL", f"sqlite:///{env_db}")
    assert cli("init").exit_code == 0
    assert env_db.exists()
    opt_db = tmp_path / "opt.db"
    assert cli("--db", f"sqlite:///{opt_db}", "init").exit_code == 0
    assert opt_db.exists()


def test_default_database_lives_in_the_user_data_folder(cli) -> None:  # type: ignore[no-untyped-def]
    import os

    assert cli("init").exit_code == 0
    assert (Path(os.environ["XDG_DATA_HOME"]) / "jzctl" / "jzctl.db").exists()


def test_english_is_complete_for_help(cli) -> None:  # type: ignore[no-untyped-def]
    res = cli("--lang", "en", "--help")
    assert res.exit_code == 0
    assert "admin console" in res.stdout
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in res.stdout)


def test_usage_errors_speak_the_interface_language(cli) -> None:  # type: ignore[no-untyped-def]
    said = {
        ("org", "treee"): "没有 treee 这个命令（是不是 tree？）",
        ("org", "tree", "--bogus"): "没有 --bogus 这个选项",
        ("org", "show"): "缺少参数 CODE|NAME",
        ("org", "tree", "53", "extra"): "多出了参数 extra",
        ("org", "tree", "--depth"): "选项 --depth 后面要跟一个值",
        ("audit", "archive", "--to", "x"): "缺少必填选项 --before",
    }
    for args, words in said.items():
        res = cli(*args)
        assert res.exit_code == 2
        assert words in res.stderr, res.stderr
    english = cli("--lang", "en", "org", "treee")
    assert "there is no command treee (did you mean tree?)" in english.stderr
