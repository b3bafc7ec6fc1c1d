"""Prometheus configuration and alert rules (checked and unit-tested with promtool),
Alertmanager configuration (amtool), and the four Grafana dashboards."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.helpers.manifests import K8S_DIR, Obj, config_map_data, container, get, require_binary

RULES_KEY = "alert-rules.yml"
RULE_TESTS = K8S_DIR / "tests" / "alert-rules.test.yaml"
DASHBOARD_TITLES = {
    "System Overview",
    "Trading Performance",
    "ML Model Metrics",
    "Infrastructure Health",
}
# The kinds of alert k8s/README.md promises, and the rules that answer each.
PROMISED_ALERTS = {
    "resource usage above 80%": {
        "ContainerCPUUsageHigh",
        "ContainerMemoryUsageHigh",
        "PersistentVolumeUsageHigh",
    },
    "service down": {"DeploymentDown", "StatefulSetDown"},
    "high error rates": {"HighErrorRate"},
    "trading engine issues": {
        "TradingOrderRejectionRateHigh",
        "TradingNoFilledOrders",
        "TradingPnLStale",
    },
    "ML service latency": {"MLServiceLatencyHigh"},
}
METRIC_SELECTOR = re.compile(r"\b([a-zA-Z_:][a-zA-Z0-9_:]*)\{")


def _rules_text() -> str:
    return config_map_data("prometheus-rules")[RULES_KEY]


def _alert_rules() -> list[Obj]:
    groups = yaml.safe_load(_rules_text())["groups"]
    return [rule for group in groups for rule in group["rules"] if "alert" in rule]


def _run(args: list[str], cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=120, check=False)


def _metrics_in(exprs: list[str]) -> set[str]:
    return {name for expr in exprs for name in METRIC_SELECTOR.findall(expr)}


def _readme_metric_names() -> set[str]:
    text = (K8S_DIR / "README.md").read_text()
    match = re.search(r"^## Metrics the alert rules expect\n(.*?)(?=^## )", text, re.M | re.S)
    assert match, "k8s/README.md has no 'Metrics the alert rules expect' section"
    return set(re.findall(r"^\| `([A-Za-z_:][A-Za-z0-9_:]*)`", match.group(1), re.M))


@pytest.fixture
def rules_dir(tmp_path: Path) -> Path:
    """The rules extracted from the ConfigMap, next to a copy of their unit tests."""
    (tmp_path / RULES_KEY).write_text(_rules_text())
    shutil.copy(RULE_TESTS, tmp_path / RULE_TESTS.name)
    return tmp_path


def test_promtool_checks_the_rules(rules_dir: Path) -> None:
    promtool = require_binary("promtool")
    result = _run([promtool, "check", "rules", str(rules_dir / RULES_KEY)])
    assert result.returncode == 0, result.stdout + result.stderr


def test_promtool_unit_tests_pass(rules_dir: Path) -> None:
    promtool = require_binary("promtool")
    result = _run([promtool, "test", "rules", RULE_TESTS.name], cwd=rules_dir)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_every_rule_is_unit_tested_firing_and_not_firing() -> None:
    cases = yaml.safe_load(RULE_TESTS.read_text())["tests"]
    firing: set[str] = set()
    quiet: set[str] = set()
    for case in cases:
        for check in case.get("alert_rule_test", []):
            (firing if check.get("exp_alerts") else quiet).add(check["alertname"])
    names = {rule["alert"] for rule in _alert_rules()}
    assert names - firing == set(), "rules never shown firing"
    assert names - quiet == set(), "rules never shown staying quiet"


def test_every_rule_has_severity_summary_description_and_runbook() -> None:
    for rule in _alert_rules():
        assert rule["labels"]["severity"] in {"critical", "warning"}, rule["alert"]
        annotations = rule["annotations"]
        assert annotations["summary"].strip(), rule["alert"]
        assert annotations["description"].strip(), rule["alert"]
        assert annotations["runbook_url"] == (
            f"https://runbooks.trading-system.local/alerts#{rule['alert'].lower()}"
        )


def test_the_promised_alerts_are_all_there() -> None:
    names = {rule["alert"] for rule in _alert_rules()}
    for item, rules in PROMISED_ALERTS.items():
        assert rules <= names, item
    by_name = {rule["alert"]: rule["expr"] for rule in _alert_rules()}
    for name in PROMISED_ALERTS["resource usage above 80%"]:
        assert "> 0.8" in by_name[name], name


def test_every_rule_has_a_runbook_section_in_the_readme() -> None:
    readme = (K8S_DIR / "README.md").read_text()
    for rule in _alert_rules():
        assert f"### {rule['alert']}" in readme, rule["alert"]


def test_the_readme_lists_exactly_the_metrics_the_rules_use() -> None:
    used = _metrics_in([rule["expr"] for rule in _alert_rules()])
    assert _readme_metric_names() == used


def _prometheus_config() -> Obj:
    config: Obj = yaml.safe_load(config_map_data("prometheus-config")["prometheus.yml"])
    return config


def test_promtool_checks_the_prometheus_config(tmp_path: Path) -> None:
    promtool = require_binary("promtool")
    config = _prometheus_config()
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / RULES_KEY).write_text(_rules_text())
    config["rule_files"] = [str(rules / "*.yml")]
    path = tmp_path / "prometheus.yml"
    path.write_text(yaml.safe_dump(config))
    result = _run([promtool, "check", "config", str(path)])
    if "kubernetes_sd_configs not found" in result.stdout + result.stderr:
        # Debian builds Prometheus without Kubernetes discovery; check everything else.
        for job in config["scrape_configs"]:
            if job.pop("kubernetes_sd_configs", None) is not None:
                job["static_configs"] = [{"targets": ["127.0.0.1:9090"]}]
        path.write_text(yaml.safe_dump(config))
        result = _run([promtool, "check", "config", str(path)])
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 rule files found" in result.stdout


def test_prometheus_scrapes_the_services_and_loads_the_rules_it_mounts() -> None:
    config = _prometheus_config()
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    services = jobs["trading-services"]
    assert services["kubernetes_sd_configs"][0]["namespaces"]["names"] == ["trading-system"]
    target_labels = {r.get("target_label") for r in services["relabel_configs"]}
    assert {"namespace", "pod", "app"} <= target_labels
    assert {"kube-state-metrics", "cluster-federate", "dcgm-exporter"} <= set(jobs)
    mounts = {
        m["name"]: m["mountPath"]
        for m in container("StatefulSet", "prometheus", "prometheus")["volumeMounts"]
    }
    assert config["rule_files"] == [f"{mounts['rules']}/*.yml"]
    assert config["alerting"]["alertmanagers"][0]["static_configs"][0]["targets"] == [
        "alertmanager:9093"
    ]


def test_amtool_checks_the_alertmanager_config(tmp_path: Path) -> None:
    amtool = require_binary("amtool")
    path = tmp_path / "alertmanager.yml"
    path.write_text(config_map_data("alertmanager-config")["alertmanager.yml"])
    result = _run([amtool, "check-config", str(path)])
    assert result.returncode == 0, result.stdout + result.stderr


# --- Grafana ---------------------------------------------------------------------------------


def _dashboards() -> dict[str, Any]:
    return {key: json.loads(value) for key, value in config_map_data("grafana-dashboards").items()}


def test_grafana_provisions_the_four_dashboards() -> None:
    dashboards = _dashboards()
    assert {d["title"] for d in dashboards.values()} == DASHBOARD_TITLES
    uids = [d["uid"] for d in dashboards.values()]
    assert len(set(uids)) == len(uids)
    for d in dashboards.values():
        assert re.fullmatch(r"[a-zA-Z0-9_-]{1,40}", d["uid"])


@pytest.mark.parametrize("key", sorted(config_map_data("grafana-dashboards")))
def test_dashboards_are_valid_dashboard_json(key: str) -> None:
    dashboard = _dashboards()[key]
    datasource_uid = yaml.safe_load(config_map_data("grafana-provisioning")["datasources.yaml"])[
        "datasources"
    ][0]["uid"]
    assert isinstance(dashboard["schemaVersion"], int)
    assert dashboard["panels"]
    ids = [panel["id"] for panel in dashboard["panels"]]
    assert len(set(ids)) == len(ids), "panel ids must be unique"
    for panel in dashboard["panels"]:
        assert isinstance(panel["id"], int)
        assert panel["title"].strip()
        assert panel["type"] in {"timeseries", "stat", "gauge", "table", "bargauge"}
        assert panel["datasource"] == {"type": "prometheus", "uid": datasource_uid}
        assert {"h", "w", "x", "y"} <= set(panel["gridPos"])
        assert panel["gridPos"]["x"] + panel["gridPos"]["w"] <= 24
        assert panel["targets"], panel["title"]
        ref_ids = [t["refId"] for t in panel["targets"]]
        assert len(set(ref_ids)) == len(ref_ids)
        for target in panel["targets"]:
            assert target["expr"].strip(), panel["title"]


def test_dashboard_queries_are_valid_promql(tmp_path: Path) -> None:
    promtool = require_binary("promtool")
    exprs = [
        target["expr"]
        for dashboard in _dashboards().values()
        for panel in dashboard["panels"]
        for target in panel["targets"]
    ]
    rules = [{"record": f"dashboard:query_{i}:check", "expr": e} for i, e in enumerate(exprs)]
    path = tmp_path / "dashboard-queries.yml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "dashboards", "rules": rules}]}))
    result = _run([promtool, "check", "rules", str(path)])
    assert result.returncode == 0, result.stdout + result.stderr


def test_grafana_finds_the_dashboards_where_they_are_mounted() -> None:
    provider = yaml.safe_load(config_map_data("grafana-provisioning")["dashboards.yaml"])
    path = provider["providers"][0]["options"]["path"]
    mounts = {
        m["name"]: m["mountPath"]
        for m in container("Deployment", "grafana", "grafana")["volumeMounts"]
    }
    assert mounts["dashboards"] == path
    volumes = get("Deployment", "grafana")["spec"]["template"]["spec"]["volumes"]
    assert {"name": "dashboards", "configMap": {"name": "grafana-dashboards"}} in volumes
