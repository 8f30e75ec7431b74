"""The example systemd units and crontab in scripts/ops cannot rot: every command they run is a
real jzctl command with real options, every timer starts a unit that exists, every class of
data has a backup timer, and jzctl-job signs in, runs and signs out as its README says."""

from __future__ import annotations

import configparser
import os
import shlex
import shutil
import stat
import subprocess
import sys
from collections import OrderedDict
from pathlib import Path
from typing import Any

import pytest

from ops.classes import policy

OPS = Path(__file__).resolve().parents[2] / "scripts" / "ops"
JOB = "jzctl-job"


class _Multi(OrderedDict[str, Any]):
    """Keys repeat in systemd units (ExecStart, LoadCredentialEncrypted): keep every value."""

    def __setitem__(self, key: str, value: Any) -> None:
        if isinstance(value, list) and key in self:
            self[key].extend(value)
        else:
            super().__setitem__(key, value)


def unit(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(
        dict_type=_Multi,  # type: ignore[arg-type]
        strict=False,
        interpolation=None,
        empty_lines_in_values=False,
    )
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(path, encoding="utf-8")
    return parser


def values(parser: configparser.ConfigParser, section: str, key: str) -> list[str]:
    raw = parser.get(section, key, fallback="")
    return [v.strip() for v in raw.splitlines() if v.strip()]


def jzctl_commands(argv: list[str]) -> list[list[str]]:
    """The jzctl command lines one ExecStart (or crontab line) runs."""
    name = Path(argv[0]).name
    if name == "jzctl":
        return [argv[1:]]
    if name == JOB:
        return [arg.split() for arg in argv[1:]]
    raise AssertionError(f"{argv[0]} is neither jzctl nor {JOB}")


def instances() -> dict[str, set[str]]:
    """Template unit -> the instances its timers start (jzctl-backup@ -> {core, ...})."""
    out: dict[str, set[str]] = {}
    for timer in OPS.glob("*.timer"):
        target = unit(timer).get("Timer", "Unit", fallback=timer.stem + ".service")
        if "@" in target:
            template, inst = target.removesuffix(".service").split("@", 1)
            out.setdefault(template + "@", set()).add(inst)
    return out


def service_commands() -> list[tuple[str, list[str]]]:
    found = []
    for service in sorted(OPS.glob("*.service")):
        parser = unit(service)
        assert parser.get("Service", "Type") == "oneshot", service.name
        names = sorted(instances().get(service.stem, {""})) if "@" in service.stem else [""]
        for line in values(parser, "Service", "ExecStart"):
            for inst in names:
                argv = shlex.split(line.replace("%i", inst))
                assert Path(argv[0]).is_absolute(), f"{service.name}: {argv[0]}"
                found += [(f"{service.name}[{inst}]", cmd) for cmd in jzctl_commands(argv)]
    return found


def crontab_commands() -> list[tuple[str, list[str]]]:
    found = []
    for n, line in enumerate((OPS / "crontab.example").read_text("utf-8").splitlines(), 1):
        text = line.strip()
        if not text or text.startswith("#") or ("=" in text.split()[0] and len(text.split()) == 1):
            continue
        fields = text.split(None, 5)
        if len(fields) < 6:
            assert "=" in text, f"line {n}: {text}"
            continue
        argv = [w for w in shlex.split(fields[5]) if not ("=" in w and w.split("=")[0].isupper())]
        argv = [w for w in argv if w != ">/dev/null"]
        found += [(f"crontab line {n}", cmd) for cmd in jzctl_commands(argv)]
    return found


def test_units_parse_and_timers_start_units_that_exist() -> None:
    services = {p.name for p in OPS.glob("*.service")}
    timers = sorted(OPS.glob("*.timer"))
    assert services and timers
    for timer in timers:
        parser = unit(timer)
        assert values(parser, "Timer", "OnCalendar"), timer.name
        assert parser.get("Timer", "Persistent") == "true"
        assert parser.get("Install", "WantedBy") == "timers.target"
        target = parser.get("Timer", "Unit", fallback=timer.stem + ".service")
        if "@" in target:
            target = target.split("@", 1)[0] + "@.service"
        assert target in services, f"{timer.name} starts {target}, which is not in scripts/ops"
    for name in services:
        parser = unit(OPS / name)
        assert values(parser, "Unit", "Description")
        assert parser.get("Service", "User") == "jzctl"


def test_every_class_of_data_has_a_backup_timer() -> None:
    assert instances()["jzctl-backup@"] == set(policy().names)


def test_units_take_secrets_as_credentials_never_inline() -> None:
    for service in OPS.glob("*.service"):
        parser = unit(service)
        creds = values(parser, "Service", "LoadCredentialEncrypted")
        assert any(c.startswith("keyring-passphrase:") for c in creds), service.name
        env = " ".join(values(parser, "Service", "Environment"))
        assert "PASSPHRASE=" not in env and "PASSWORD" not in env, service.name
        login = next((e.split("=", 1)[1] for e in env.split() if e.startswith("JZ_JOB_LOGIN=")),
                     None)  # fmt: skip
        if login is not None:  # jzctl-job reads <login>.password and <login>.totp
            names = {c.split(":", 1)[0] for c in creds}
            assert {f"{login}.password", f"{login}.totp"} <= names, service.name


@pytest.mark.parametrize(
    ("where", "command"),
    service_commands() + crontab_commands(),
    ids=lambda v: v if isinstance(v, str) else " ".join(v),
)
def test_every_command_is_a_real_jzctl_command(cli: Any, where: str, command: list[str]) -> None:
    res = cli(*command, "--help")
    assert res.exit_code == 0, f"{where}: jzctl {' '.join(command)}: {res.stderr}"
    assert "Usage" in res.stdout or "用法" in res.stdout


def test_the_backup_units_verify_what_they_make_and_copy_it_off_site() -> None:
    commands = [c for w, c in service_commands() if w.startswith("jzctl-backup@")]
    made = [c for c in commands if c[:2] == ["backup", "create"]]
    assert {c[c.index("--class") + 1] for c in made} == set(policy().names)
    assert all("--copy-to" in c for c in made)
    assert ["backup", "verify", "--latest"] in commands


@pytest.mark.skipif(shutil.which("flock") is None, reason="flock(1) is not installed")
def test_jzctl_job_signs_in_runs_in_order_and_signs_out(tmp_path: Path) -> None:
    pytest.importorskip("pyotp")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    calls = tmp_path / "calls"
    fake = bin_dir / "jzctl"
    fake.write_text(f'#!/bin/sh\necho "$*" >>{calls}\n', "utf-8")
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    python = bin_dir / "python"  # the jzctl venv's python, as beside an installed jzctl
    python.write_text(f'#!/bin/sh\nexec {sys.executable} "$@"\n', "utf-8")
    python.chmod(python.stat().st_mode | stat.S_IXUSR)
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    (secrets / "svc.backup.password").write_text("pw\n", "utf-8")
    (secrets / "svc.backup.totp").write_text("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP\n", "utf-8")
    (secrets / "keyring-passphrase").write_text("pass\n", "utf-8")
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "JZCTL": str(fake),
        "JZ_JOB_LOGIN": "svc.backup",
        "JZ_JOB_SECRETS": str(secrets),
        "JZ_JOB_LOCK": str(tmp_path / "jobs.lock"),
        "JZ_JOB_STATE": str(tmp_path),
    }
    run = subprocess.run(["sh", str(OPS / JOB), "backup create --class core", "backup verify --latest"],
                         check=False, env=env, capture_output=True, text=True, timeout=120)  # fmt: skip
    assert run.returncode == 0, run.stderr
    lines = calls.read_text("utf-8").splitlines()
    login = lines[0].split()
    assert login[:4] == [
        "login",
        "svc.backup",
        "--password-file",
        str(secrets / "svc.backup.password"),
    ]
    assert login[4] == "--totp" and len(login[5]) == 6 and login[5].isdigit()
    assert lines[1:] == ["backup create --class core", "backup verify --latest", "logout"]
    assert (tmp_path / "last-totp-step").read_text("utf-8").strip().isdigit()

    # without a login it signs nobody in; a failing command fails the job (and signs out)
    calls.unlink()
    fake.write_text(f'#!/bin/sh\necho "$*" >>{calls}\n[ "$1" != doctor ]\n', "utf-8")
    env.pop("JZ_JOB_LOGIN")
    run = subprocess.run(["sh", str(OPS / JOB), "doctor", "never run"], check=False, env=env,
                         capture_output=True, text=True, timeout=60)  # fmt: skip
    assert run.returncode != 0
    assert calls.read_text("utf-8").splitlines() == ["doctor"]
