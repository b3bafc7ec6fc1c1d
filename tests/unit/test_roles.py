"""Each role has exactly the permissions the README documents: no more, no fewer."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from opsconsole.accounts.roles import role_of, sync_roles

VIEWER = {"accounts.view_console"}
OPERATOR = VIEWER | {
    "operations.deploy_image",
    "operations.rollback_deployment",
    "operations.restart_deployment",
    "operations.scale_deployment",
    "runs.launch_training",
    "runs.launch_backtest",
    "runs.launch_dataset_download",
    "runs.cancel_run",
    "observability.manage_silences",
}
ADMIN = OPERATOR | {
    "accounts.manage_users",
    "operations.approve_action",
    "audit.sign_off_review",
}


def test_a_viewer_may_only_look(viewer: User) -> None:
    assert viewer.get_all_permissions() == VIEWER
    assert role_of(viewer) == "viewer"


def test_an_operator_may_run_actions_and_launch_runs(operator: User) -> None:
    assert operator.get_all_permissions() == OPERATOR
    assert role_of(operator) == "operator"


def test_an_admin_may_also_manage_users_approve_and_sign_off_reviews(admin: User) -> None:
    assert admin.get_all_permissions() == ADMIN
    assert role_of(admin) == "admin"


def test_an_account_without_a_role_has_no_permission(outsider: User) -> None:
    assert outsider.get_all_permissions() == set()
    assert role_of(outsider) is None


def test_syncing_undoes_a_permission_granted_by_hand(viewer: User) -> None:
    from django.contrib.auth.models import Group, Permission

    group = Group.objects.get(name="viewer")
    group.permissions.add(Permission.objects.get(codename="scale_deployment"))
    sync_roles()
    fresh = User.objects.get(pk=viewer.pk)
    assert fresh.get_all_permissions() == VIEWER


@pytest.mark.parametrize("role", ["viewer", "operator", "admin"])
def test_every_role_is_a_group_after_migrate(role: str, db: None) -> None:
    from django.contrib.auth.models import Group

    assert Group.objects.filter(name=role).exists()
