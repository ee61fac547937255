from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

from partnerhub.api.urls import api
from partnerhub.core import views as core_views

handler403 = "partnerhub.core.views.permission_denied"
handler404 = "partnerhub.core.views.page_not_found"
handler500 = "partnerhub.core.views.server_error"

urlpatterns = [
    path("", include("partnerhub.core.urls")),
    path("accounts/", include("partnerhub.accounts.urls")),
    path("offices/", include("partnerhub.org.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("healthz", core_views.healthz, name="healthz"),
]

if settings.DEBUG:  # pragma: no cover
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
