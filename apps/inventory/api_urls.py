from django.urls import path

from . import apis

urlpatterns = [
    path("holds", apis.HoldListCreateApi.as_view(), name="api-holds"),
    path("holds/<str:hold_id>", apis.HoldDetailApi.as_view(), name="api-hold-detail"),
    path("holds/<str:hold_id>/extend", apis.HoldExtendApi.as_view(), name="api-hold-extend"),
]
