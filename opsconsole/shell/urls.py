from django.urls import path

from opsconsole.shell import views

urlpatterns = [
    path("", views.overview, name="overview"),
    path("favicon.ico", views.favicon, name="favicon"),
]
