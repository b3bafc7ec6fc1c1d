from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.contrib import auth
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from opsconsole.accounts.forms import SignInForm

F = TypeVar("F", bound=Callable[..., HttpResponse])


def role_not_required(view: F) -> F:
    """Lets a signed-in account without a role reach this view (sign-out)."""
    view.role_not_required = True  # type: ignore[attr-defined]
    return view


login = LoginView.as_view(
    template_name="accounts/login.html",
    authentication_form=SignInForm,
    redirect_authenticated_user=True,
)


@require_POST
@role_not_required
def logout(request: HttpRequest) -> HttpResponse:
    auth.logout(request)
    return redirect("login")
