"""Shared pieces of request handling: JSON bodies, flags, the parsed target of a request."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from opsconsole.sandbox import convert, errors
from opsconsole.sandbox.resources import ResourceType, preferred

Obj = dict[str, Any]
JSON = "application/json"


def dumps(obj: Any) -> str:
    return json.dumps(obj, separators=(",", ":"))


def truthy(value: str | None) -> bool:
    """Go's strconv.ParseBool, which the API server uses for query flags."""
    return value in ("1", "t", "T", "true", "TRUE", "True")


def json_response(obj: Any, status: int = 200) -> web.Response:
    return web.Response(text=dumps(obj), status=status, content_type=JSON)


@dataclass
class Target:
    """What a resource path names: /api(s)/…/[namespaces/NS/]PLURAL[/NAME[/SUB]]."""

    rt: ResourceType
    namespace: str | None
    name: str | None
    sub: str | None


def storage_type(rt: ResourceType) -> ResourceType:
    """The bucket a resource lives in, whichever version or group (events) was asked for."""
    return preferred(rt.group, rt.plural) if rt.kind != "Event" else preferred("", "events")


def present(rt: ResourceType, obj: Obj) -> Obj:
    """A stored object as the requested group/version shows it."""
    if rt.group == "events.k8s.io":
        return convert.to_events_v1(obj)
    if rt.group == "autoscaling" and rt.version == "v1":
        return convert.hpa_to_v1(obj)
    return obj


def dry_run(request: web.Request) -> bool:
    values = request.query.getall("dryRun", [])
    for v in values:
        if v != "All":
            raise errors.bad_request(f"Invalid dry run value: {v}; must be All")
    return bool(values)
