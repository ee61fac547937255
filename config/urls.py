from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from partnerhub.api.urls import api
from partnerhub.core import views as core_views

handler403 = "partnerhub.core.views.permission_denied"
handler404 = "partnerhub.core.views.page_not_found"
handler500 = "partnerhub.core.views.server_error"

urlpatterns = [
    path("", include("partnerhub.core.urls")),
    path("accounts/", include("partnerhub.accounts.urls")),
    path("offices/", include("partnerhub.org.urls")),
    path("partners/", include("partnerhub.registry.urls")),
    path("screening/", include("partnerhub.screening.urls")),
    path("diligence/", include("partnerhub.diligence.urls")),
    path("agreements/", include("partnerhub.agreements.urls")),
    # Signed-out visitors choose their language on the sign-in page, so the switch must not need a login.
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("healthz", core_views.healthz, name="healthz"),
]

if settings.DEBUG:  # pragma: no cover
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
