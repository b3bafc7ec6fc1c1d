"""The permission check every mutating view uses: a named permission, checked on the server,
and a refusal that is recorded before the 403 goes out."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from opsconsole.audit.outcome import Outcome
from opsconsole.audit.recorder import record

V = TypeVar("V", bound=Callable[..., HttpResponse])


def record_denial(
    request: HttpRequest, verb: str, reason: str, parameters: dict[str, Any] | None = None
) -> None:
    record(
        verb,
        outcome=Outcome.DENIED,
        request=request,
        reason=reason,
        parameters={"method": request.method, "path": request.path, **(parameters or {})},
    )


def permission_required(permission: str, *, verb: str = "auth.denied") -> Callable[[V], V]:
    """Lets the view run only for users holding `permission` ("app.codename"); anyone else
    gets a 403 and one audit event with outcome "denied" under `verb` (the verb the view
    would have recorded, so a review of that verb shows the refused attempts too).

    Stack it under @require_POST, so that a wrong method is a 405 and no event."""

    def decorator(view: V) -> V:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.user.has_perm(permission):
                return view(request, *args, **kwargs)
            record_denial(
                request, verb, f"missing permission {permission}", {"permission": permission}
            )
            return render(request, "audit/denied.html", {"permission": permission}, status=403)

        return wrapped  # type: ignore[return-value]

    return decorator
