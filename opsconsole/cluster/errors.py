"""The gateway's own exceptions: pages and tasks decide on these, never on ApiException.

`translate()` turns what the official client raises (ApiException with the API server's
`Status` body, urllib3 connection errors, timeouts) into one of these, keeping the server's
own message ("pods \"x\" not found"), which is what ops staff can act on.
"""

from __future__ import annotations

import json
from typing import Any

import urllib3
from kubernetes.client.exceptions import ApiException


class ClusterError(Exception):
    """Something the Kubernetes API refused or could not do."""

    status = 0  # the API server's HTTP status, when it answered

    def __init__(self, message: str, *, reason: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.reason = reason  # the Status body's reason, e.g. "NotFound"


class ClusterUnreachable(ClusterError):
    """No answer from the API server (down, wrong address, timeout, bad credentials file),
    or an answer that says it cannot serve (5xx)."""


class NotFound(ClusterError):
    status = 404


class Forbidden(ClusterError):
    """The console's identity may not do this (403), or its credentials were refused (401)."""

    status = 403


class Throttled(ClusterError):
    """429 Too Many Requests: ask again after `retry_after` seconds."""

    status = 429

    def __init__(self, message: str, *, reason: str = "", retry_after: int = 1) -> None:
        super().__init__(message, reason=reason)
        self.retry_after = retry_after


class Invalid(ClusterError):
    """The request was refused as malformed: 400 BadRequest or 422 Invalid."""

    status = 422


class Conflict(ClusterError):
    """409: the object changed since it was read, or already exists."""

    status = 409


def _status_body(body: Any) -> dict[str, Any]:
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    if not isinstance(body, str) or not body:
        return {}
    try:
        parsed = json.loads(body)
    except ValueError:
        return {"message": body.strip()[:500]}
    return parsed if isinstance(parsed, dict) else {}


def _header(headers: Any, name: str) -> str:
    if not headers:
        return ""
    for key, value in dict(headers).items():
        if str(key).lower() == name.lower():
            return str(value)
    return ""


def _retry_after(headers: Any) -> int:
    try:
        return max(1, int(_header(headers, "Retry-After")))
    except ValueError:
        return 1


def translate(exc: BaseException, host: str = "") -> ClusterError:
    """The ClusterError that says what went wrong; `host` names the API server in messages
    about the connection."""
    if isinstance(exc, ClusterError):
        return exc
    where = f" at {host}" if host else ""
    if isinstance(exc, ApiException) and exc.status:
        status = int(exc.status)
        body = _status_body(exc.body)
        message = str(body.get("message") or exc.reason or f"HTTP {status}")
        reason = str(body.get("reason") or exc.reason or "")
        if status == 404:
            return NotFound(message, reason=reason)
        if status == 401:
            return Forbidden(
                f"the API server{where} refused the console's credentials: {message}",
                reason=reason,
            )
        if status == 403:
            return Forbidden(message, reason=reason)
        if status == 429:
            return Throttled(message, reason=reason, retry_after=_retry_after(exc.headers))
        if status in (400, 422):
            return Invalid(message, reason=reason)
        if status == 409:
            return Conflict(message, reason=reason)
        if status >= 500:
            return ClusterUnreachable(
                f"the API server{where} answered {status} {reason}: {message}", reason=reason
            )
        return ClusterError(f"the API server{where} answered {status}: {message}", reason=reason)
    # urllib3 wraps the cause (MaxRetryError.reason) even with retries off.
    cause = getattr(exc, "reason", None)
    # NewConnectionError (refused, no route) subclasses ConnectTimeoutError: not a timeout.
    refused = isinstance(exc, urllib3.exceptions.NewConnectionError) or isinstance(
        cause, urllib3.exceptions.NewConnectionError
    )
    timed_out = isinstance(exc, urllib3.exceptions.TimeoutError) or isinstance(
        cause, urllib3.exceptions.TimeoutError
    )
    if timed_out and not refused:
        return ClusterUnreachable(f"the API server{where} did not answer in time")
    if isinstance(exc, ApiException | urllib3.exceptions.HTTPError | OSError):
        detail = cause or exc
        return ClusterUnreachable(f"no answer from the API server{where}: {detail}")
    return ClusterError(str(exc))
