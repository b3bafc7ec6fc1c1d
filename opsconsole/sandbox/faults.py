"""Faults on demand: rules that delay, fail or drop matching API requests.

A rule is JSON, e.g. {"match": {"verb": "patch", "path": "deployments/api"},
"status": 409, "count": 1}. See README.md for every field.
"""

from __future__ import annotations

import asyncio
import itertools
import re
from dataclasses import dataclass, field
from typing import Any

from opsconsole.sandbox import errors

Obj = dict[str, Any]
_ids = itertools.count(1)


def k8s_verb(method: str, path: str, query: dict[str, str]) -> str:
    """The Kubernetes verb for a request (the audit log's names)."""
    parts = [p for p in path.split("/") if p]
    grouped = parts[:1] == ["apis"]
    rest = parts[3:] if grouped else parts[2:]
    if rest[:1] == ["namespaces"] and len(rest) >= 3:
        rest = rest[2:]
    has_name = len(rest) >= 2
    if method == "GET":
        if has_name:
            return "get"
        return "watch" if query.get("watch") in ("1", "t", "T", "true", "TRUE", "True") else "list"
    return {
        "POST": "create",
        "PUT": "update",
        "PATCH": "patch",
        "DELETE": "delete" if has_name else "deletecollection",
    }.get(method, method.lower())


@dataclass
class Rule:
    id: int
    verb: str = ""
    method: str = ""
    path: re.Pattern[str] | None = None
    latency_ms: int = 0
    status: int = 0
    retry_after: int | None = None
    message: str = ""
    drop: bool = False
    count: int | None = None  # None: until cleared
    hits: int = 0
    spec: Obj = field(default_factory=dict)

    def matches(self, method: str, verb: str, target: str) -> bool:
        if self.method and self.method.upper() != method:
            return False
        if self.verb and self.verb != verb:
            return False
        return not (self.path is not None and not self.path.search(target))


def parse_rule(spec: Any) -> Rule:
    if not isinstance(spec, dict):
        raise errors.bad_request("a fault rule must be a JSON object")
    match = spec.get("match") or {}
    try:
        rule = Rule(
            id=next(_ids),
            verb=str(match.get("verb", "")),
            method=str(match.get("method", "")),
            path=re.compile(match["path"]) if match.get("path") else None,
            latency_ms=int(spec.get("latency_ms", 0)),
            status=int(spec.get("status", 0)),
            retry_after=int(spec["retry_after"]) if "retry_after" in spec else None,
            message=str(spec.get("message", "")),
            drop=bool(spec.get("drop", False)),
            count=int(spec["count"]) if spec.get("count") is not None else None,
            spec=spec,
        )
    except (re.error, ValueError, TypeError) as exc:
        raise errors.bad_request(f"invalid fault rule: {exc}") from None
    if rule.status and not 400 <= rule.status <= 599:
        raise errors.bad_request("status must be a 4xx or 5xx code")
    if not (rule.latency_ms or rule.status or rule.drop):
        raise errors.bad_request("a fault rule needs latency_ms, status or drop")
    return rule


class Faults:
    def __init__(self) -> None:
        self.rules: list[Rule] = []

    def add(self, spec: Any) -> Rule:
        rule = parse_rule(spec)
        self.rules.append(rule)
        return rule

    def clear(self) -> None:
        self.rules.clear()

    def describe(self) -> list[Obj]:
        return [{**r.spec, "id": r.id, "hits": r.hits, "remaining": r.count} for r in self.rules]

    def take(self, method: str, path: str, query: dict[str, str]) -> Rule | None:
        """The first matching rule, counted as used; exhausted rules are removed."""
        verb = k8s_verb(method, path, query) if path.startswith(("/api/", "/apis/")) else ""
        target = path + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")
        for rule in self.rules:
            if rule.matches(method, verb, target):
                rule.hits += 1
                if rule.count is not None:
                    rule.count -= 1
                    if rule.count <= 0:
                        self.rules.remove(rule)
                return rule
        return None


async def apply(rule: Rule) -> None:
    """Sleep and/or raise the rule's error (dropping is done by the server, which owns I/O)."""
    if rule.latency_ms:
        await asyncio.sleep(rule.latency_ms / 1000)
    if rule.status:
        headers = {}
        if rule.retry_after is not None or rule.status == 429:
            headers["Retry-After"] = str(rule.retry_after if rule.retry_after is not None else 1)
        message = rule.message or {
            429: "Too many requests, please try again later.",
            409: "Operation cannot be fulfilled: the object has been modified; please apply "
            "your changes to the latest version and try again",
            503: "the server is currently unable to handle the request",
        }.get(rule.status, "Internal error occurred: injected by the sandbox")
        raise errors.ApiError(rule.status, message, headers=headers)
