from django.urls import include, path

urlpatterns = [
    path("", include("opsconsole.shell.urls")),
    path("accounts/", include("opsconsole.accounts.urls")),
    path("audit/", include("opsconsole.audit.urls")),
    path("", include("opsconsole.workloads.urls")),
]
