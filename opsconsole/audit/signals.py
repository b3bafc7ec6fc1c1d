"""Sign-in, sign-in failure, lockout and sign-out, recorded from Django's auth signals (they
are sent by the auth code itself, not by model saves)."""

from __future__ import annotations

from typing import Any

from axes.helpers import get_failure_limit
from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.http import HttpRequest

from opsconsole.audit import refusals
from opsconsole.audit.outcome import Outcome
from opsconsole.audit.recorder import record
from opsconsole.web.http import client_ip

# IdleTimeoutMiddleware puts its reason here before it signs the user out.
SIGN_OUT_REASON_META = "opsconsole.sign_out_reason"


def _signed_in(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    # A lock on this name and address, if there was one, has ended: record its refusals.
    refusals.close_window(user.get_username(), client_ip(request), request)
    record(
        "auth.sign_in",
        outcome=Outcome.SUCCEEDED,
        request=request,
        actor=user,
        target_kind="user",
        target_name=user.get_username(),
    )


def _signed_out(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    if user is None:  # the session had no user; nobody signed out
        return
    record(
        "auth.sign_out",
        outcome=Outcome.SUCCEEDED,
        request=request,
        actor=user,
        target_kind="user",
        target_name=user.get_username(),
        reason=str(request.META.get(SIGN_OUT_REASON_META, "")),
    )


def _sign_in_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    # Connected after django-axes' receiver, so its verdict is on the request: locked, and
    # the failures counted so far (this one included). Only the attempted user name is
    # kept; the credentials hold the (masked) password too.
    username = str(credentials.get("username", ""))
    locked = bool(getattr(request, "axes_locked_out", False))
    failures = getattr(request, "axes_failures_since_start", None)
    just_locked = (
        locked and request is not None and failures == get_failure_limit(request, credentials)
    )
    ip = client_ip(request) if request is not None else ""
    if locked and not just_locked:
        # Refused unchecked during a lockout: only the window's first refusal is an event
        # now; the rest are counted outside the chain and recorded as one total (refusals.py).
        if not refusals.count_refusal(username, ip):
            return
        reason = "refused: this user name is locked out from this address"
    else:
        # An ordinary failure or a new lock: any earlier lock window of this pair is over.
        refusals.close_window(username, ip, request)
        reason = "wrong user name or password"
    common: dict[str, Any] = {
        "request": request,
        "actor_name": "",
        "target_kind": "user",
        "target_name": username,
    }
    record(
        "auth.sign_in_failed",
        outcome=Outcome.DENIED,
        reason=reason,
        parameters={"failures": failures} if failures is not None else {},
        **common,
    )
    if just_locked:
        # This failure reached the limit: axes locks the pair from now on.
        minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
        record(
            "auth.locked_out",
            outcome=Outcome.DENIED,
            reason=f"{failures} failed sign-ins; locked for {minutes} minutes from this address",
            parameters={"failures": failures},
            **common,
        )


def connect() -> None:
    user_logged_in.connect(_signed_in, dispatch_uid="audit.signed_in")
    user_logged_out.connect(_signed_out, dispatch_uid="audit.signed_out")
    user_login_failed.connect(_sign_in_failed, dispatch_uid="audit.sign_in_failed")
