"""The run templates carry what OpsConsole needs to offer them as one-click runs."""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

import pytest

from tests.helpers.manifests import Obj, container, get, of_kind, pod_template

RUNS = {
    "model-training": "training",
    "download-datasets": "dataset-download",
    "scheduled-backtest": "backtest",
}
TYPES = {"int", "float", "string", "choice", "date", "bool"}
KEYS = {"name", "type", "default", "min", "max", "choices", "pattern", "help", "env"}
ENV_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")
PARAM_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
EXPECTED_PARAMETERS = {
    "model-training": {"epochs", "learning_rate", "model_type", "symbols", "resume"},
    "scheduled-backtest": {"start_date", "end_date", "strategy", "initial_capital"},
    "download-datasets": {"source", "symbols", "start_date", "end_date", "interval"},
}


def _parameters(cronjob: Obj) -> list[dict[str, Any]]:
    value = json.loads(cronjob["metadata"]["annotations"]["opsconsole.io/parameters"])
    assert isinstance(value, list)
    return value


def _env_value(default: object) -> str:
    """How a default is written into the container's environment."""
    return default if isinstance(default, str) else json.dumps(default)


def _check_parameter(p: dict[str, Any]) -> None:
    assert set(p) <= KEYS, set(p) - KEYS
    assert {"name", "type", "default", "help", "env"} <= set(p)
    assert PARAM_NAME.match(p["name"]), p["name"]
    assert ENV_NAME.match(p["env"]), p["env"]
    assert p["help"].strip()
    kind, default = p["type"], p["default"]
    assert kind in TYPES
    if kind == "int":
        assert type(default) is int
        assert p["min"] <= default <= p["max"]
    elif kind == "float":
        assert isinstance(default, float | int)
        assert not isinstance(default, bool)
        assert p["min"] <= default <= p["max"]
    elif kind == "bool":
        assert isinstance(default, bool)
    elif kind == "choice":
        assert len(p["choices"]) >= 2
        assert default in p["choices"]
    elif kind == "date":
        # Empty means "let the run decide", as the help text says.
        assert default == "" or date.fromisoformat(default)
    else:
        assert isinstance(default, str)
        if "pattern" in p:
            assert re.fullmatch(p["pattern"], default)
    if kind not in {"int", "float"}:
        assert "min" not in p
        assert "max" not in p
    if kind != "choice":
        assert "choices" not in p


def test_the_run_templates_are_the_three_cronjobs() -> None:
    assert {m.name for m in of_kind("CronJob")} == set(RUNS)


@pytest.mark.parametrize(("name", "kind"), RUNS.items())
def test_runs_carry_stable_labels_at_every_level(name: str, kind: str) -> None:
    cronjob = get("CronJob", name)
    expected = {
        "app.kubernetes.io/name": name,
        "app.kubernetes.io/part-of": "trading-system",
        "opsconsole.io/run-kind": kind,
    }
    levels = [
        cronjob["metadata"]["labels"],
        cronjob["spec"]["jobTemplate"]["metadata"]["labels"],
        pod_template(cronjob)["metadata"]["labels"],
    ]
    for labels in levels:
        assert expected.items() <= labels.items()


@pytest.mark.parametrize("name", RUNS)
def test_runs_are_bounded_and_cleaned_up(name: str) -> None:
    cronjob = get("CronJob", name)
    job = cronjob["spec"]["jobTemplate"]["spec"]
    assert 0 < job["ttlSecondsAfterFinished"] <= 7 * 24 * 3600
    assert 0 <= job["backoffLimit"] <= 3
    assert 0 < job["activeDeadlineSeconds"] <= 24 * 3600
    assert job["template"]["spec"]["restartPolicy"] == "Never"
    assert cronjob["spec"]["concurrencyPolicy"] == "Forbid"


@pytest.mark.parametrize("name", RUNS)
def test_parameters_are_declared_and_well_formed(name: str) -> None:
    params = _parameters(get("CronJob", name))
    assert {p["name"] for p in params} == EXPECTED_PARAMETERS[name]
    assert len({p["env"] for p in params}) == len(params)
    for p in params:
        _check_parameter(p)


@pytest.mark.parametrize("name", RUNS)
def test_each_parameter_sets_its_env_var_with_the_default(name: str) -> None:
    cronjob = get("CronJob", name)
    target = cronjob["metadata"]["annotations"]["opsconsole.io/container"]
    env = {e["name"]: e for e in container("CronJob", name, target)["env"]}
    for p in _parameters(cronjob):
        assert env[p["env"]]["value"] == _env_value(p["default"]), p["name"]


def test_the_documented_parameters_have_the_right_shape() -> None:
    training = {p["name"]: p for p in _parameters(get("CronJob", "model-training"))}
    assert training["model_type"]["choices"] == ["ppo", "sac", "td3"]
    assert training["epochs"]["type"] == "int"
    assert training["learning_rate"]["type"] == "float"
    download = {p["name"]: p for p in _parameters(get("CronJob", "download-datasets"))}
    assert download["interval"]["choices"] == ["1m", "5m", "1h", "1d"]
    assert download["source"]["type"] == "choice"
    backtest = {p["name"]: p for p in _parameters(get("CronJob", "scheduled-backtest"))}
    assert backtest["start_date"]["type"] == backtest["end_date"]["type"] == "date"
    assert backtest["initial_capital"]["type"] == "float"


def test_training_gets_one_gpu_on_a_gpu_node() -> None:
    cronjob = get("CronJob", "model-training")
    spec = pod_template(cronjob)["spec"]
    resources = container("CronJob", "model-training", "trainer")["resources"]
    assert resources["limits"]["nvidia.com/gpu"] == 1
    assert resources["requests"]["nvidia.com/gpu"] == 1
    assert spec["nodeSelector"] == {"nvidia.com/gpu.present": "true"}
    assert any(t["key"] == "nvidia.com/gpu" for t in spec["tolerations"])


def test_templates_that_only_run_on_demand_are_suspended() -> None:
    assert get("CronJob", "model-training")["spec"]["suspend"] is True
    assert get("CronJob", "download-datasets")["spec"]["suspend"] is True
    assert get("CronJob", "scheduled-backtest")["spec"]["suspend"] is False
