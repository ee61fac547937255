import pytest


@pytest.mark.django_db
def test_dashboard_shows_real_office_count(client_for, staff_member):
    from partnerhub.org.models import Office

    response = client_for(staff_member).get("/")
    assert response.status_code == 200
    assert f">{Office.objects.filter(is_active=True).count()}</a>" in response.content.decode()
