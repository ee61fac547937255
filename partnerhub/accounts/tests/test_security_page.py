"""The account and security page: who I am, my password, two-factor sign-in and my tokens."""

import pyotp
import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client

from conftest import PASSWORD, PERSONAS
from partnerhub.accounts.models import TOTPDevice, User
from partnerhub.core.models import AuditLog

pytestmark = pytest.mark.django_db

PAGE = "/accounts/security/"
ROLE_LABELS = {
    "staff_member": "Staff member",
    "focal_point": "Focal point, Staff member",
    "plgu_officer": "Partnerships and Local Government Unit, Staff member",
    "legal_officer": "Legal Section, Staff member",
    "sgb_officer": "Governing Bodies Secretariat, Staff member",
    "oed_officer": "Office of the Executive Director, Staff member",
    "comms_officer": "Communications and Media, Staff member",
    "administrator": "Administrator, Staff member",
    "partner_user": "Partner user",
}


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_every_user_sees_their_address_office_and_roles(client_for, persona, request):
    response = client_for(persona).get(PAGE)

    assert response.status_code == 200
    html = response.content.decode()
    assert f'<dd class="col-sm-9">{persona.email}</dd>' in html
    office = str(persona.office) if persona.office else "—"
    assert f'<dd class="col-sm-9">{office}</dd>' in html
    assert f'<dd class="col-sm-9">{ROLE_LABELS[request.node.callspec.params["persona"]]}</dd>' in html
    assert "You have no API tokens." in html
    assert "Set up two-factor sign-in" in html


def test_security_page_is_never_cached(client_for, staff_member):
    response = client_for(staff_member).get(PAGE)

    assert "no-store" in response["Cache-Control"]


# --- Password ---------------------------------------------------------------------------------------


def test_changing_the_password_keeps_the_session_and_is_audited(client_for, staff_member):
    client = client_for(staff_member)

    response = client.post(
        "/accounts/security/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "A-brand-new-phrase-2026",
            "new_password2": "A-brand-new-phrase-2026",
        },
        follow=True,
    )

    assert response.redirect_chain == [(PAGE, 302)]
    assert "Your password was changed." in response.content.decode()
    assert client.session.get(SESSION_KEY) == str(staff_member.pk)
    assert User.objects.get(pk=staff_member.pk).check_password("A-brand-new-phrase-2026")
    entry = AuditLog.objects.get(action="accounts.password.change")
    assert (entry.actor_id, entry.target_id) == (staff_member.pk, str(staff_member.pk))


def test_password_change_with_the_wrong_current_password_changes_nothing(client_for, staff_member):
    response = client_for(staff_member).post(
        "/accounts/security/password/",
        {
            "old_password": "not-my-password",
            "new_password1": "A-brand-new-phrase-2026",
            "new_password2": "A-brand-new-phrase-2026",
        },
    )

    assert response.status_code == 200
    assert "Your old password was entered incorrectly." in response.content.decode()
    assert User.objects.get(pk=staff_member.pk).check_password(PASSWORD)
    assert not AuditLog.objects.filter(action="accounts.password.change").exists()


# --- Two-factor sign-in -----------------------------------------------------------------------------


def _begin(client):
    client.post("/accounts/security/2fa/begin/")
    return TOTPDevice.objects.get()


def test_starting_two_factor_set_up_shows_a_qr_code_and_the_key_but_does_not_require_it_yet(
    client_for, staff_member
):
    client = client_for(staff_member)

    response = client.post("/accounts/security/2fa/begin/", follow=True)

    device = TOTPDevice.objects.get(user=staff_member)
    html = response.content.decode()
    assert device.confirmed is False
    assert 'src="data:image/svg+xml;base64,' in html
    assert f'<code class="ph-token">{device.secret}</code>' in html
    # sign-in still needs only the password
    fresh = Client()
    fresh.post("/accounts/login/", {"email": staff_member.email, "password": PASSWORD})
    assert fresh.session.get(SESSION_KEY) == str(staff_member.pk)


def test_restarting_set_up_issues_a_new_key(client_for, staff_member):
    client = client_for(staff_member)
    first = _begin(client).secret

    second = _begin(client).secret

    assert first != second
    assert TOTPDevice.objects.count() == 1


def test_confirming_with_the_right_code_turns_two_factor_on(client_for, staff_member):
    client = client_for(staff_member)
    device = _begin(client)

    response = client.post(
        "/accounts/security/2fa/confirm/", {"code": pyotp.TOTP(device.secret).now()}, follow=True
    )

    device.refresh_from_db()
    html = response.content.decode()
    assert device.confirmed is True
    assert "Two-factor sign-in is on." in html
    assert device.secret not in html
    assert AuditLog.objects.filter(action="accounts.totp.enable", target_id=str(staff_member.pk)).count() == 1
    # the secret never reaches the history
    assert all(device.secret not in str(row.changes) for row in device.history())


def test_the_confirmation_code_cannot_then_be_used_to_sign_in(client_for, staff_member):
    client = client_for(staff_member)
    device = _begin(client)
    code = pyotp.TOTP(device.secret).now()
    client.post("/accounts/security/2fa/confirm/", {"code": code})

    fresh = Client()
    fresh.post("/accounts/login/", {"email": staff_member.email, "password": PASSWORD})
    response = fresh.post("/accounts/login/verify/", {"code": code})

    assert "That code is not right." in response.content.decode()
    assert fresh.session.get(SESSION_KEY) is None


def test_confirming_with_a_wrong_code_leaves_two_factor_off(client_for, staff_member):
    client = client_for(staff_member)
    device = _begin(client)

    response = client.post("/accounts/security/2fa/confirm/", {"code": "000000x"}, follow=True)

    device.refresh_from_db()
    assert device.confirmed is False
    assert (
        "That code is not right. Check your device&#x27;s clock and try again." in response.content.decode()
    )
    assert not AuditLog.objects.filter(action="accounts.totp.enable").exists()


def test_confirming_before_starting_says_to_start_first(client_for, staff_member):
    response = client_for(staff_member).post(
        "/accounts/security/2fa/confirm/", {"code": "123456"}, follow=True
    )

    assert "Start the set-up first." in response.content.decode()
    assert not TOTPDevice.objects.exists()


@pytest.fixture
def two_factor_on(staff_member):
    return TOTPDevice.objects.create(user=staff_member, secret=pyotp.random_base32(), confirmed=True)


def test_starting_again_while_two_factor_is_on_is_refused(client_for, staff_member, two_factor_on):
    response = client_for(staff_member).post("/accounts/security/2fa/begin/", follow=True)

    assert (
        "Two-factor sign-in is already on. Turn it off first to enrol a new device."
        in response.content.decode()
    )
    assert TOTPDevice.objects.get().secret == two_factor_on.secret


def test_turning_two_factor_off_needs_a_current_code(client_for, staff_member, two_factor_on):
    client = client_for(staff_member)

    refused = client.post("/accounts/security/2fa/disable/", {"code": "000000"}, follow=True)
    assert "That code is not right." in refused.content.decode()
    assert TOTPDevice.objects.filter(pk=two_factor_on.pk, confirmed=True).exists()
    assert not AuditLog.objects.filter(action="accounts.totp.disable").exists()

    accepted = client.post(
        "/accounts/security/2fa/disable/", {"code": pyotp.TOTP(two_factor_on.secret).now()}, follow=True
    )
    assert "Two-factor sign-in is off." in accepted.content.decode()
    assert not TOTPDevice.objects.exists()
    assert AuditLog.objects.filter(action="accounts.totp.disable").count() == 1


@pytest.mark.parametrize(
    "path",
    [
        "/accounts/security/2fa/begin/",
        "/accounts/security/2fa/confirm/",
        "/accounts/security/2fa/disable/",
        "/accounts/security/tokens/1/revoke/",
    ],
)
def test_security_actions_refuse_get(client_for, staff_member, path):
    assert client_for(staff_member).get(path).status_code == 405
    assert not TOTPDevice.objects.exists()


def test_security_actions_need_the_csrf_token(staff_member):
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff_member, backend="partnerhub.accounts.backends.EmailBackend")

    response = client.post("/accounts/security/2fa/begin/")

    assert response.status_code == 403
    assert not TOTPDevice.objects.exists()
