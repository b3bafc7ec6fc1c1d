from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import auth, messages
from django.contrib.auth.middleware import LoginRequiredMiddleware as BaseLoginRequired
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django_htmx.http import HttpResponseClientRedirect

from opsconsole.audit.decorators import record_denial
from opsconsole.audit.signals import SIGN_OUT_REASON_META

# Requests that a page makes by itself (polling) carry this header; they must not keep an
# unattended session alive.
POLL_HEADER = "HTTP_X_OPSCONSOLE_POLL"
_LAST_ACTIVITY = "opsconsole_last_activity"

Handler = Callable[[HttpRequest], HttpResponse]


def _is_htmx(request: HttpRequest) -> bool:
    # HtmxMiddleware runs before these (settings.MIDDLEWARE) and sets request.htmx.
    return bool(getattr(request, "htmx", False))


class LoginRequiredMiddleware(BaseLoginRequired):
    """Every view needs a signed-in user unless it is marked @login_not_required.
    An htmx fragment asks the browser to load the sign-in page instead of swapping it in."""

    # The stubs narrow the return to a plain redirect; htmx needs its own 200 + HX-Redirect.
    def handle_no_permission(  # type: ignore[override]
        self, request: HttpRequest, view_func: Callable[..., HttpResponseBase]
    ) -> HttpResponseBase:
        if _is_htmx(request):
            return HttpResponseClientRedirect(f"{reverse('login')}?next={request.path}")
        return super().handle_no_permission(request, view_func)


class IdleTimeoutMiddleware:
    """Signs a user out after OPSCONSOLE_IDLE_TIMEOUT without a request of their own."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = time.time()
            last = request.session.get(_LAST_ACTIVITY, now)
            if now - float(last) > settings.OPSCONSOLE_IDLE_TIMEOUT.total_seconds():
                request.META[SIGN_OUT_REASON_META] = "idle timeout"
                auth.logout(request)
                minutes = int(settings.OPSCONSOLE_IDLE_TIMEOUT.total_seconds() // 60)
                messages.info(
                    request, f"You were signed out after {minutes} minutes without activity."
                )
                login = f"{reverse('login')}?next={request.path}"
                return HttpResponseClientRedirect(login) if _is_htmx(request) else redirect(login)
            if POLL_HEADER not in request.META:
                request.session[_LAST_ACTIVITY] = now
        return self.get_response(request)


class RoleRequiredMiddleware:
    """A signed-in account without a role sees nothing but the sign-out button."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Handler, *args: object
    ) -> HttpResponse | None:
        user = request.user
        if not user.is_authenticated or user.has_perm("accounts.view_console"):
            return None
        if not getattr(view_func, "login_required", True) or getattr(
            view_func, "role_not_required", False
        ):
            return None  # sign-in and sign-out stay reachable
        record_denial(request, "auth.denied", "the account has no role")
        return render(request, "accounts/no_role.html", status=403)
