"""Static checks of the settings sample, the conda environment and GitLab CI."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from tafiti.config import Settings

PROJECT_ROOT = Path(__file__).resolve().parent.parent
ENV_SAMPLE = PROJECT_ROOT / ".env_sample"


def _env_sample_variables() -> set[str]:
    text = ENV_SAMPLE.read_text(encoding="utf-8")
    return set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=", text, flags=re.MULTILINE))


def _setting_variable(name: str) -> str:
    field = Settings.model_fields[name]
    if field.validation_alias is not None:
        return field.validation_alias.choices[0]
    return f"TAFITI_{name.upper()}"


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _requirement_name(requirement: str) -> str:
    return _normalise(re.split(r"[<>=!~\[;\s]", requirement, maxsplit=1)[0])


def _lock_pins() -> dict[str, str]:
    pins = {}
    for line in (PROJECT_ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines():
        match = re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)", line)
        if match:
            pins[_normalise(match.group(1))] = match.group(2)
    return pins


def _pyproject() -> dict[str, Any]:
    return tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_env_sample_lists_every_setting() -> None:
    documented = _env_sample_variables()
    missing = [_setting_variable(name) for name in Settings.model_fields]

    assert [variable for variable in missing if variable not in documented] == []


def test_env_sample_comments_every_setting() -> None:
    lines = ENV_SAMPLE.read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines):
        if not re.match(r"^#?\s*[A-Z][A-Z0-9_]*=", line):
            continue
        before = number - 1
        while before >= 0 and re.match(r"^#?\s*[A-Z][A-Z0-9_]*=", lines[before]):
            before -= 1
        assert before >= 0, f"no comment above {line!r}"
        assert lines[before].startswith("# "), f"no comment above {line!r}"


def test_env_sample_turns_telemetry_off() -> None:
    lines = ENV_SAMPLE.read_text(encoding="utf-8").splitlines()

    assert "PREFECT_SERVER_ANALYTICS_ENABLED=false" in lines
    assert "DO_NOT_TRACK=1" in lines
    assert "SENTRY_DSN" in _env_sample_variables()
    assert "PREFECT_API_URL" in _env_sample_variables()


def test_env_sample_holds_no_real_secret() -> None:
    text = ENV_SAMPLE.read_text(encoding="utf-8")
    values = dict(re.findall(r"^([A-Z][A-Z0-9_]*)=(.*)$", text, flags=re.MULTILINE))

    for name in ("MYSQL_PASSWORD", "MYSQL_ROOT_PASSWORD", "JUPYTER_TOKEN"):
        assert values[name].startswith("change-me"), name


def test_environment_yml_matches_pyproject() -> None:
    environment = yaml.safe_load((PROJECT_ROOT / "environment.yml").read_text(encoding="utf-8"))
    requires_python = _pyproject()["project"]["requires-python"]
    conda = [item for item in environment["dependencies"] if isinstance(item, str)]
    pip = next(item["pip"] for item in environment["dependencies"] if isinstance(item, dict))

    assert requires_python == ">=3.11"
    assert "python=3.11" in conda
    assert "pip" in conda
    assert pip == ["-r requirements.lock", "-e ."]


@pytest.mark.parametrize("group", ["dependencies", "test"])
def test_pyproject_dependencies_are_locked(group: str) -> None:
    project = _pyproject()["project"]
    requirements = (
        project["dependencies"]
        if group == "dependencies"
        else project["optional-dependencies"][group]
    )
    pins = _lock_pins()

    assert requirements
    assert [req for req in requirements if _requirement_name(req) not in pins] == []


def test_lock_pins_python_311() -> None:
    header = (PROJECT_ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines()[:3]

    assert any("--python-version 3.11" in line for line in header)


@pytest.fixture(scope="module")
def gitlab_ci() -> dict[str, Any]:
    return yaml.safe_load((PROJECT_ROOT / ".gitlab-ci.yml").read_text(encoding="utf-8"))


def test_gitlab_ci_stages(gitlab_ci: dict[str, Any]) -> None:
    assert gitlab_ci["stages"] == ["test", "build"]
    assert gitlab_ci["test"]["stage"] == "test"
    assert gitlab_ci["build-image"]["stage"] == "build"


def test_gitlab_ci_runs_make_test_against_mariadb(gitlab_ci: dict[str, Any]) -> None:
    job = gitlab_ci["test"]
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    service = job["services"][0]
    password = job["variables"]["MARIADB_ROOT_PASSWORD"]

    assert job["script"] == ["make test"]
    assert "make test" in readme
    assert job["image"].startswith("python:3.11")
    assert service["name"].startswith(("mariadb:", "mysql:"))
    assert job["variables"]["TAFITI_TEST_MYSQL_URL"].startswith(
        f"mysql+pymysql://root:{password}@{service['alias']}:3306/"
    )
    assert "rules" not in job


def test_gitlab_ci_pushes_image_on_default_branch_only(gitlab_ci: dict[str, Any]) -> None:
    job = gitlab_ci["build-image"]
    script = "\n".join(job["script"])

    assert job["rules"] == [{"if": "$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH"}]
    assert 'docker build --pull --tag "$CI_REGISTRY_IMAGE:$CI_COMMIT_SHORT_SHA"' in script
    assert 'docker push "$CI_REGISTRY_IMAGE:$CI_COMMIT_SHORT_SHA"' in script
    assert 'docker push "$CI_REGISTRY_IMAGE:latest"' in script
    assert "docker login" in job["before_script"][0]
    assert job["services"][0].startswith("docker:")
