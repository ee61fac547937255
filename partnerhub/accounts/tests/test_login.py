"""Signing in: e-mail and password, lockout after repeated failures, and the two-factor second step."""

import datetime as dt
import types
from urllib.parse import parse_qs, urlparse

import pyotp
import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.utils import timezone

from conftest import PASSWORD
from partnerhub.accounts import services
from partnerhub.accounts.models import LoginFailure, TOTPDevice
from partnerhub.core.models import AuditLog

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
VERIFY = "/accounts/login/verify/"
WRONG = "The e-mail address or password is not right."
LOCKED = "Too many failed sign-in attempts. For your security this account is locked for 15 minutes."
BAD_CODE = "That code is not right."


def _sign_in(client, email, password=PASSWORD, **extra):
    return client.post(LOGIN, {"email": email, "password": password, **extra})


def _signed_in_user_id(client):
    return client.session.get(SESSION_KEY)


def _fail(client, email, times):
    for _ in range(times):
        response = _sign_in(client, email, "not-the-password")
        assert response.status_code == 200


@pytest.fixture(autouse=True)
def _lockout_settings(settings):
    settings.LOGIN_FAILURE_LIMIT = 5
    settings.LOGIN_LOCKOUT_MINUTES = 15


# --- E-mail and password ----------------------------------------------------------------------------


def test_sign_in_page_is_shown_to_anonymous_visitors(client):
    response = client.get(LOGIN)

    assert response.status_code == 200
    html = response.content.decode()
    assert "Sign in to PartnerHub" in html
    assert 'autocomplete="current-password"' in html


def test_staff_member_signs_in_with_their_e_mail_in_any_case(client, staff_member):
    # when the address is typed with different capitals and spaces
    response = _sign_in(client, "  Staff.MEMBER@Example.ORG ")

    # then they are signed in and sent to the dashboard
    assert (response.status_code, response["Location"]) == (302, "/")
    assert _signed_in_user_id(client) == str(staff_member.pk)


def test_wrong_password_is_refused_with_a_message_that_does_not_reveal_the_account(client, staff_member):
    # when the password is wrong
    response = _sign_in(client, "staff.member@example.org", "Wrong-password-123")

    # then the form says so, nobody is signed in, and the failure is counted
    assert response.status_code == 200
    assert WRONG in response.content.decode()
    assert _signed_in_user_id(client) is None
    assert list(LoginFailure.objects.values_list("email", "ip")) == [
        ("staff.member@example.org", "127.0.0.1")
    ]


def test_unknown_address_gets_the_same_message_as_a_wrong_password(client):
    response = _sign_in(client, "nobody@example.org")

    assert response.status_code == 200
    assert WRONG in response.content.decode()
    assert _signed_in_user_id(client) is None
    assert LoginFailure.objects.filter(email="nobody@example.org").count() == 1


def test_deactivated_user_cannot_sign_in(client, staff_member):
    # given the account was deactivated
    staff_member.is_active = False
    staff_member.save()

    # when they sign in with the right password
    response = _sign_in(client, "staff.member@example.org")

    # then they are refused like anyone with wrong credentials
    assert response.status_code == 200
    assert WRONG in response.content.decode()
    assert _signed_in_user_id(client) is None


def test_account_locks_after_the_limit_and_refuses_even_the_right_password(client, staff_member):
    # given four failures, the fifth (the limit) shows the lockout
    _fail(client, "staff.member@example.org", 4)
    response = _sign_in(client, "Staff.Member@example.org", "still-wrong")
    assert LOCKED in response.content.decode()

    # when the right password is then tried
    response = _sign_in(client, "staff.member@example.org")

    # then it is refused with the lockout message, nobody is signed in, and the refusal counts no further
    assert response.status_code == 200
    html = response.content.decode()
    assert LOCKED in html
    assert WRONG not in html
    assert _signed_in_user_id(client) is None
    assert LoginFailure.objects.filter(email="staff.member@example.org").count() == 5
    [locked] = AuditLog.objects.filter(action="accounts.login.locked")
    assert locked.after == {"email": "staff.member@example.org", "ip": "127.0.0.1"}


def test_lockout_honours_the_configured_limit(client, settings, staff_member):
    settings.LOGIN_FAILURE_LIMIT = 2
    _fail(client, "staff.member@example.org", 2)

    response = _sign_in(client, "staff.member@example.org")

    assert LOCKED in response.content.decode()
    assert _signed_in_user_id(client) is None


def test_account_unlocks_once_the_failures_are_older_than_the_window(client, staff_member):
    # given a locked account
    _fail(client, "staff.member@example.org", 5)
    assert services.login_is_locked(email="staff.member@example.org", ip="127.0.0.1")

    # when the failures age past the 15-minute window
    LoginFailure.objects.update(at=timezone.now() - dt.timedelta(minutes=15, seconds=1))
    response = _sign_in(client, "staff.member@example.org")

    # then the right password works and the account's failures are cleared
    assert (response.status_code, response["Location"]) == (302, "/")
    assert _signed_in_user_id(client) == str(staff_member.pk)
    assert not LoginFailure.objects.filter(email="staff.member@example.org").exists()


def test_failures_just_inside_the_window_still_lock(client, staff_member):
    _fail(client, "staff.member@example.org", 5)
    LoginFailure.objects.update(at=timezone.now() - dt.timedelta(minutes=14, seconds=50))

    response = _sign_in(client, "staff.member@example.org")

    assert LOCKED in response.content.decode()
    assert _signed_in_user_id(client) is None


def test_one_accounts_lockout_does_not_lock_another_account(client, staff_member, legal_officer):
    _fail(client, "staff.member@example.org", 5)

    response = _sign_in(client, "legal.officer@example.org")

    assert response.status_code == 302
    assert _signed_in_user_id(client) == str(legal_officer.pk)


def test_address_failing_for_many_accounts_is_held_back_for_all(staff_member):
    # given one address failed 20 times (4 x the limit) across different accounts
    attacker = Client(REMOTE_ADDR="203.0.113.9")
    for n in range(20):
        _sign_in(attacker, f"guess{n}@example.org", "guess")

    # when a real account signs in from that address, and from another one
    from_attacker = _sign_in(attacker, "staff.member@example.org")
    elsewhere = Client(REMOTE_ADDR="198.51.100.4")
    from_elsewhere = _sign_in(elsewhere, "staff.member@example.org")

    # then only the attacker's address is refused
    assert LOCKED in from_attacker.content.decode()
    assert _signed_in_user_id(attacker) is None
    assert from_elsewhere.status_code == 302
    assert _signed_in_user_id(elsewhere) == str(staff_member.pk)


def test_successful_sign_in_clears_earlier_failures(client, staff_member):
    _fail(client, "staff.member@example.org", 3)

    _sign_in(client, "staff.member@example.org")

    assert not LoginFailure.objects.filter(email="staff.member@example.org").exists()


def test_sign_in_returns_to_the_page_asked_for(client, staff_member):
    response = _sign_in(client, "staff.member@example.org", next="/offices/?kind=unit")

    assert response["Location"] == "/offices/?kind=unit"


def test_sign_in_never_redirects_to_another_site(client, staff_member):
    response = _sign_in(client, "staff.member@example.org", next="https://evil.example.com/")

    assert response["Location"] == "/"
    assert _signed_in_user_id(client) == str(staff_member.pk)


def test_signed_in_user_opening_the_sign_in_page_goes_to_the_dashboard(client_for, staff_member):
    response = client_for(staff_member).get(LOGIN)

    assert (response.status_code, response["Location"]) == (302, "/")


def test_sign_out_ends_the_session(client_for, staff_member):
    client = client_for(staff_member)

    response = client.post("/accounts/logout/")

    assert (response.status_code, response["Location"]) == (302, "/accounts/login/")
    assert _signed_in_user_id(client) is None


def test_old_failures_are_purged_by_the_periodic_job(staff_member):
    # given a failure from eight days ago and one from today
    LoginFailure.objects.create(email="a@example.org", at=timezone.now() - dt.timedelta(days=8))
    recent = LoginFailure.objects.create(email="b@example.org")

    # when the job runs
    from partnerhub.accounts.tasks import purge_login_failures

    assert purge_login_failures.call() == 1

    # then only today's remains
    assert list(LoginFailure.objects.values_list("pk", flat=True)) == [recent.pk]


# --- Two-factor sign-in -----------------------------------------------------------------------------


@pytest.fixture
def totp(staff_member):
    """The staff member has a confirmed authenticator that has not been used yet."""
    device = TOTPDevice.objects.create(user=staff_member, secret=pyotp.random_base32(), confirmed=True)
    return pyotp.TOTP(device.secret)


@pytest.fixture
def frozen_now(monkeypatch):
    """Fix the time the sign-in services see, so codes for neighbouring time steps are deterministic."""
    moment = timezone.now().replace(microsecond=0)
    monkeypatch.setattr(services, "timezone", types.SimpleNamespace(now=lambda: moment))
    return moment


def test_two_factor_user_is_asked_for_a_code_before_being_signed_in(client, staff_member, totp):
    # when the password is right
    response = _sign_in(client, "staff.member@example.org")

    # then they are sent to the code step, not yet signed in
    assert response.status_code == 302
    assert urlparse(response["Location"]).path == VERIFY
    assert _signed_in_user_id(client) is None
    assert "Enter the code from your authenticator" in client.get(response["Location"]).content.decode()


def test_right_code_completes_the_sign_in(client, staff_member, totp):
    _sign_in(client, "staff.member@example.org")

    response = client.post(VERIFY, {"code": totp.now(), "next": "/"})

    assert (response.status_code, response["Location"]) == (302, "/")
    assert _signed_in_user_id(client) == str(staff_member.pk)


def test_code_with_spaces_is_accepted(client, staff_member, totp):
    _sign_in(client, "staff.member@example.org")
    code = totp.now()

    response = client.post(VERIFY, {"code": f"{code[:3]} {code[3:]}"})

    assert response.status_code == 302
    assert _signed_in_user_id(client) == str(staff_member.pk)


def test_two_factor_sign_in_keeps_the_whole_next_address(client, staff_member, totp):
    # given a sign-in that started from a filtered list
    response = _sign_in(client, "staff.member@example.org", next="/offices/?kind=unit&q=Nai")
    assert parse_qs(urlparse(response["Location"]).query) == {"next": ["/offices/?kind=unit&q=Nai"]}

    # when the code step is completed from the page it was sent to
    verify_page = client.get(response["Location"])
    response = client.post(VERIFY, {"code": totp.now(), "next": verify_page.context["next"]})

    # then the user lands on the whole address, filters included
    assert response["Location"] == "/offices/?kind=unit&q=Nai"


def test_wrong_code_is_refused_and_counted(client, staff_member, totp, frozen_now):
    _sign_in(client, "staff.member@example.org")
    wrong = totp.at(frozen_now - dt.timedelta(minutes=5))

    response = client.post(VERIFY, {"code": wrong})

    assert response.status_code == 200
    assert BAD_CODE in response.content.decode()
    assert _signed_in_user_id(client) is None
    assert LoginFailure.objects.filter(email="staff.member@example.org").count() == 1


def test_code_from_the_previous_time_step_is_tolerated(client, staff_member, totp, frozen_now):
    _sign_in(client, "staff.member@example.org")

    response = client.post(VERIFY, {"code": totp.at(frozen_now - dt.timedelta(seconds=30))})

    assert response.status_code == 302
    assert _signed_in_user_id(client) == str(staff_member.pk)


def test_code_two_time_steps_old_is_refused(client, staff_member, totp, frozen_now):
    _sign_in(client, "staff.member@example.org")

    response = client.post(VERIFY, {"code": totp.at(frozen_now - dt.timedelta(seconds=60))})

    assert BAD_CODE in response.content.decode()
    assert _signed_in_user_id(client) is None


def test_a_code_cannot_be_used_twice(staff_member, totp, frozen_now):
    # given a code that signed someone in
    code = totp.at(frozen_now)
    first = Client()
    _sign_in(first, "staff.member@example.org")
    assert first.post(VERIFY, {"code": code}).status_code == 302

    # when the same code is replayed in a second sign-in
    second = Client()
    _sign_in(second, "staff.member@example.org")
    response = second.post(VERIFY, {"code": code})

    # then it is refused and the second session is not signed in
    assert response.status_code == 200
    assert BAD_CODE in response.content.decode()
    assert _signed_in_user_id(second) is None


def test_an_earlier_code_is_refused_after_a_later_one_was_used(staff_member, totp, frozen_now):
    first = Client()
    _sign_in(first, "staff.member@example.org")
    assert first.post(VERIFY, {"code": totp.at(frozen_now)}).status_code == 302

    second = Client()
    _sign_in(second, "staff.member@example.org")
    response = second.post(VERIFY, {"code": totp.at(frozen_now - dt.timedelta(seconds=30))})

    assert BAD_CODE in response.content.decode()
    assert _signed_in_user_id(second) is None


def test_code_step_without_a_password_step_goes_back_to_sign_in(client, staff_member, totp):
    response = client.post(VERIFY, {"code": totp.now()})

    assert (response.status_code, response["Location"]) == (302, LOGIN)
    assert _signed_in_user_id(client) is None


def test_repeated_wrong_codes_lock_the_account_and_end_the_attempt(client, staff_member, totp, frozen_now):
    # given the password was right but four codes were wrong, and a fifth wrong code reaches the limit
    _sign_in(client, "staff.member@example.org")
    wrong = totp.at(frozen_now - dt.timedelta(minutes=5))
    for _ in range(5):
        client.post(VERIFY, {"code": wrong})

    # when even the right code is then sent
    response = client.post(VERIFY, {"code": totp.at(frozen_now)}, follow=True)

    # then the attempt ends on the sign-in page with the lockout message, and nobody is signed in
    assert response.redirect_chain == [(LOGIN, 302)]
    assert LOCKED in response.content.decode()
    assert _signed_in_user_id(client) is None
    assert client.get(VERIFY)["Location"] == LOGIN
