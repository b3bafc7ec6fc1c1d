"""Network policies: deny by default; the ingress controller reaches only the exposed services;
the databases only the application pods; the console's Redis only the console."""

from __future__ import annotations

from collections.abc import Iterator

from tests.helpers.manifests import Obj, get, of_kind, pod_template, workloads

APPS = {"trading-api-service", "trading-engine", "trading-ml-service", "trading-data-pipeline"}
CONSOLE = {"opsconsole-web", "opsconsole-worker", "opsconsole-sync", "opsconsole-beat"}
RUNS = {"model-training", "download-datasets", "scheduled-backtest"}
INGRESS_NAMESPACE = "ingress-nginx"


def _matches(selector: Obj, labels: dict[str, str]) -> bool:
    for key, value in selector.get("matchLabels", {}).items():
        if labels.get(key) != value:
            return False
    for expr in selector.get("matchExpressions", []):
        key, op = expr["key"], expr["operator"]
        values = set(expr.get("values", []))
        present = key in labels
        ok = {
            "In": present and labels.get(key) in values,
            "NotIn": not present or labels.get(key) not in values,
            "Exists": present,
            "DoesNotExist": not present,
        }[op]
        if not ok:
            return False
    return True


def _pods() -> dict[str, dict[str, str]]:
    """Workload name -> the labels of its pods."""
    return {m.name: dict(pod_template(m.obj)["metadata"]["labels"]) for m in workloads()}


def _ingress_rules(target: str) -> Iterator[Obj]:
    labels = _pods()[target]
    for m in of_kind("NetworkPolicy"):
        spec = m.obj["spec"]
        if "Ingress" in spec["policyTypes"] and _matches(spec["podSelector"], labels):
            yield from spec.get("ingress", [])


def _admits_port(rule: Obj, port: int) -> bool:
    return "ports" not in rule or any(p["port"] == port for p in rule["ports"])


def _admitted_pods(target: str, port: int) -> set[str]:
    """Workloads in the namespace whose pods may open `port` on the target's pods."""
    admitted: set[str] = set()
    for rule in _ingress_rules(target):
        if not _admits_port(rule, port):
            continue
        assert "from" in rule, f"a rule opens {target}:{port} to everyone"
        for peer in rule["from"]:
            assert "ipBlock" not in peer, f"{target}:{port} is open to an IP range"
            if "namespaceSelector" in peer:
                continue  # another namespace; checked separately
            for name, labels in _pods().items():
                if _matches(peer["podSelector"], labels):
                    admitted.add(name)
    return admitted


def _reached_from_ingress_controller() -> set[str]:
    reached: set[str] = set()
    for name in _pods():
        for rule in _ingress_rules(name):
            for peer in rule.get("from", []):
                ns = peer.get("namespaceSelector", {}).get("matchLabels", {})
                if ns.get("kubernetes.io/metadata.name") == INGRESS_NAMESPACE:
                    assert peer["podSelector"]["matchLabels"] == {
                        "app.kubernetes.io/name": "ingress-nginx"
                    }
                    reached.add(name)
    return reached


def test_everything_is_denied_by_default() -> None:
    spec = get("NetworkPolicy", "default-deny-all")["spec"]
    assert spec == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}


def test_postgres_admits_only_applications_runs_and_the_console() -> None:
    assert _admitted_pods("postgres", 5432) == APPS | RUNS | CONSOLE


def test_redis_admits_only_the_applications() -> None:
    assert _admitted_pods("redis", 6379) == APPS


def test_rabbitmq_admits_only_the_applications() -> None:
    assert _admitted_pods("rabbitmq", 5672) == APPS


def test_the_console_redis_admits_only_the_console() -> None:
    assert _admitted_pods("opsconsole-redis", 6379) == CONSOLE


def test_no_other_namespace_reaches_the_databases() -> None:
    for target in ["postgres", "redis", "rabbitmq", "opsconsole-redis"]:
        for rule in _ingress_rules(target):
            for peer in rule.get("from", []):
                # Prometheus (same namespace) may scrape; nothing from outside.
                assert "namespaceSelector" not in peer, target


def test_the_ingress_controller_reaches_exactly_the_exposed_services() -> None:
    exposed: set[str] = set()
    for m in of_kind("Ingress"):
        for rule in m.obj["spec"]["rules"]:
            for path in rule["http"]["paths"]:
                service = get("Service", path["backend"]["service"]["name"])
                selector = service["spec"]["selector"]
                exposed |= {
                    name
                    for name, labels in _pods().items()
                    if all(labels.get(k) == v for k, v in selector.items())
                }
    assert exposed == {"trading-api-service", "grafana", "prometheus", "opsconsole-web"}
    assert _reached_from_ingress_controller() == exposed


def test_every_pod_may_resolve_names() -> None:
    spec = get("NetworkPolicy", "allow-dns-egress")["spec"]
    assert spec["podSelector"] == {}
    assert {p["port"] for p in spec["egress"][0]["ports"]} == {53}


def test_every_ingress_rule_names_its_peers() -> None:
    for m in of_kind("NetworkPolicy"):
        for rule in m.obj["spec"].get("ingress", []):
            assert rule.get("from"), f"{m.id} admits everyone"
            assert rule.get("ports"), f"{m.id} admits every port"
