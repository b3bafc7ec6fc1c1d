"""The three roles and their named permissions: the single place that says who may do what.

Each role is a Django group whose permissions are set to exactly this list after every
migrate, so a permission granted by hand in the database does not survive a deploy.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group, Permission
from django.db import transaction

from opsconsole.web.roles import ADMIN, OPERATOR, VIEWER, role_of

__all__ = ["ADMIN", "OPERATOR", "ROLES", "ROLE_PERMISSIONS", "VIEWER", "role_of", "sync_roles"]

_VIEWER_PERMISSIONS = ("accounts.view_console",)
_OPERATOR_PERMISSIONS = (
    *_VIEWER_PERMISSIONS,
    "operations.deploy_image",
    "operations.rollback_deployment",
    "operations.restart_deployment",
    "operations.scale_deployment",
    "runs.launch_training",
    "runs.launch_backtest",
    "runs.launch_dataset_download",
    "runs.cancel_run",
    "observability.manage_silences",
)
_ADMIN_PERMISSIONS = (
    *_OPERATOR_PERMISSIONS,
    "accounts.manage_users",
    "operations.approve_action",
    "audit.sign_off_review",
)

ROLE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    VIEWER: _VIEWER_PERMISSIONS,
    OPERATOR: _OPERATOR_PERMISSIONS,
    ADMIN: _ADMIN_PERMISSIONS,
}
ROLES = tuple(ROLE_PERMISSIONS)


def _permission(name: str) -> Permission:
    app_label, codename = name.split(".", 1)
    try:
        return Permission.objects.get(content_type__app_label=app_label, codename=codename)
    except Permission.DoesNotExist:
        raise LookupError(f"role permission {name!r} is not declared by any model") from None


@transaction.atomic
def sync_roles() -> None:
    for role, names in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.set([_permission(name) for name in names])


def sync_roles_after_migrate(sender: Any, **kwargs: Any) -> None:
    app_config = kwargs.get("app_config")
    if app_config is None or app_config.label != "accounts":
        return
    # Apps listed after accounts get their permissions later in the same signal loop, so
    # create every app's now (idempotent) before the roles refer to them.
    for config in apps.get_app_configs():
        create_permissions(config, verbosity=0, using=kwargs.get("using", "default"))
    sync_roles()
