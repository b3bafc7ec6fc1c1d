from django.urls import path

from opsconsole.core import views

urlpatterns = [
    path("", views.overview, name="overview"),
]
