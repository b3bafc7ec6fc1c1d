"""Raw reads through the official client: one ApiClient per process and configuration, every
call with a timeout, every failure translated to the gateway's own errors."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from typing import Any

from kubernetes import client

from opsconsole.cluster.config import ClusterConfig, api_client
from opsconsole.cluster.errors import ClusterError, translate

_clients: dict[tuple[int, ClusterConfig], client.ApiClient] = {}
_lock = threading.Lock()
Obj = dict[str, Any]


def shared_client(cfg: ClusterConfig) -> client.ApiClient:
    """Built once per process (after a fork the pid differs, so a worker never shares the
    parent's sockets): reading the kubeconfig per request would cost more than the read."""
    key = (os.getpid(), cfg)
    with _lock:
        api = _clients.get(key)
        if api is None:
            api = _clients[key] = api_client(cfg)
        return api


def _request(
    cfg: ClusterConfig,
    path: str,
    query: dict[str, Any] | None,
    timeout: float | tuple[float, float | None],
) -> Any:
    api = shared_client(cfg)
    params = [(k, v) for k, v in (query or {}).items() if v is not None and v != ""]
    try:
        return api.call_api(
            path,
            "GET",
            query_params=params,
            header_params={"Accept": "application/json"},
            auth_settings=["BearerToken"],
            _return_http_data_only=True,
            _preload_content=False,
            _request_timeout=timeout,
        )
    except Exception as exc:
        raise translate(exc, str(api.configuration.host)) from exc


def get_json(cfg: ClusterConfig, path: str, query: dict[str, Any] | None = None) -> Obj:
    """GET one API path and return its JSON body as a dict, exactly as the server sent it."""
    response = _request(cfg, path, query, cfg.timeout)
    try:
        data = response.data
    except Exception as exc:
        raise translate(exc) from exc
    finally:
        response.release_conn()
    try:
        parsed = json.loads(data)
    except ValueError as exc:
        raise ClusterError(f"the API server sent something that is not JSON for {path}") from exc
    if not isinstance(parsed, dict):
        raise ClusterError(f"the API server sent an unexpected body for {path}")
    return parsed


def get_text(cfg: ClusterConfig, path: str, query: dict[str, Any] | None = None) -> str:
    """GET a text body (a log): the typed client would return repr(bytes) for it."""
    response = _request(cfg, path, query, cfg.timeout)
    try:
        return bytes(response.data).decode("utf-8", "replace")
    except Exception as exc:
        raise translate(exc) from exc
    finally:
        response.release_conn()


def stream_bytes(
    cfg: ClusterConfig,
    path: str,
    query: dict[str, Any] | None = None,
    read_timeout: float | None = None,
    chunk: int = 65536,
) -> Iterator[bytes]:
    """GET a body piece by piece (a large or followed log). The request is made here, so a
    refusal raises before the caller has started an answer; the connect timeout stays short,
    `read_timeout` bounds the wait for each piece (None: as long as the server keeps it open)."""
    response = _request(cfg, path, query, (cfg.timeout, read_timeout))

    def pieces() -> Iterator[bytes]:
        try:
            yield from response.stream(chunk, decode_content=True)
        except Exception as exc:
            raise translate(exc) from exc
        finally:
            response.release_conn()

    return pieces()


def list_items(cfg: ClusterConfig, path: str, query: dict[str, Any] | None = None) -> list[Obj]:
    """Every item of a collection, page by page (limit/continue), so a large namespace never
    comes back as one huge body."""
    items: list[Obj] = []
    token = ""
    while True:
        body = get_json(cfg, path, {**(query or {}), "limit": 500, "continue": token})
        items.extend(body.get("items") or [])
        token = str((body.get("metadata") or {}).get("continue") or "")
        if not token:
            return items
