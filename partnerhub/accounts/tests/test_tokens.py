"""Personal API tokens: created three ways, stored as a hash, accepted until revoked or expired."""

import datetime as dt
import hashlib
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from partnerhub.accounts import services
from partnerhub.accounts.models import ApiToken
from partnerhub.core.errors import DomainError, NotAllowed, ValidationFailed
from partnerhub.core.models import AuditLog, RecordHistory

pytestmark = pytest.mark.django_db

ME = "/api/v1/me"


def _bearer(token):
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def _assert_stores_only_the_hash(token, plain):
    prefix, key_id, secret = plain.split("_", 2)
    assert prefix == "phk"
    assert token.key_id == key_id
    assert token.key_hash == hashlib.sha256(secret.encode()).hexdigest()
    stored = ApiToken.objects.filter(pk=token.pk).values().get()
    assert all(secret not in str(value) for value in stored.values())
    assert all(secret not in str(row.changes) for row in RecordHistory.objects.all())
    assert all(secret not in f"{e.before}{e.after}{e.note}" for e in AuditLog.objects.all())


def _assert_unauthorised(response):
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response["WWW-Authenticate"] == 'Bearer realm="partnerhub"'
    body = json.loads(response.content)
    assert body["status"] == 401
    assert body["code"] == "not_authenticated"
    assert body["title"] == "Authentication required"


# --- Creating ---------------------------------------------------------------------------------------


def test_service_creates_a_token_shown_once_and_stores_only_its_hash(staff_member):
    # when a token is created
    token, plain = services.api_token_create(user=staff_member, name="  reporting spreadsheet ")

    # then the name is tidied, only the hash is kept, and the creation is audited
    assert token.name == "reporting spreadsheet"
    assert (token.user, token.expires_at, token.revoked_at) == (staff_member, None, None)
    _assert_stores_only_the_hash(token, plain)
    [entry] = AuditLog.objects.filter(action="accounts.api_token.create")
    assert entry.target_id == str(staff_member.pk)
    assert entry.after == {"token": f"reporting spreadsheet (phk_{token.key_id}…)"}


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"name": "   "}, "name"),
        ({"name": "old", "expires_at": dt.datetime(2020, 1, 1, tzinfo=dt.UTC)}, "expires_at"),
    ],
)
def test_service_refuses_a_blank_name_or_a_past_expiry_and_creates_nothing(staff_member, kwargs, field):
    with pytest.raises(ValidationFailed) as excinfo:
        services.api_token_create(user=staff_member, **kwargs)

    assert list(excinfo.value.errors) == [field]
    assert not ApiToken.objects.exists()
    assert not AuditLog.objects.filter(action="accounts.api_token.create").exists()


def test_inactive_user_cannot_get_a_token(staff_member):
    staff_member.is_active = False
    staff_member.save()

    with pytest.raises(NotAllowed):
        services.api_token_create(user=staff_member, name="x")

    assert not ApiToken.objects.exists()


def test_active_tokens_are_capped(staff_member):
    # given the maximum number of active tokens
    for n in range(services.MAX_ACTIVE_TOKENS):
        services.api_token_create(user=staff_member, name=f"t{n}")

    # when one more is asked for
    with pytest.raises(DomainError, match="maximum number of active tokens"):
        services.api_token_create(user=staff_member, name="one too many")

    # then none was added; revoking one makes room again
    assert ApiToken.objects.count() == services.MAX_ACTIVE_TOKENS
    services.api_token_revoke(actor=staff_member, token=ApiToken.objects.first())
    services.api_token_create(user=staff_member, name="after revoking")
    assert ApiToken.objects.count() == services.MAX_ACTIVE_TOKENS + 1


def test_token_created_on_the_security_page_is_shown_exactly_once(client_for, staff_member):
    client = client_for(staff_member)

    # when the form is posted
    response = client.post("/accounts/security/tokens/", {"name": "notebook"}, follow=True)

    # then the page shows the plain token once, with a warning to copy it
    token = ApiToken.objects.get(user=staff_member)
    plain = response.context["new_token"]
    html = response.content.decode()
    assert response.redirect_chain == [("/accounts/security/", 302)]
    assert f'<code class="ph-token" id="new-token">{plain}</code>' in html
    assert "Token created. Copy it now: it will not be shown again." in html
    _assert_stores_only_the_hash(token, plain)
    again = client.get("/accounts/security/").content.decode()
    assert plain not in again
    assert f"phk_{token.key_id}…" in again
    # and it works
    assert client_for(staff_member).get(ME, **_bearer(plain)).status_code == 200


def test_security_page_token_with_an_expiry_date_expires_at_the_end_of_that_day(client_for, staff_member):
    day = timezone.localdate() + dt.timedelta(days=10)

    client_for(staff_member).post(
        "/accounts/security/tokens/", {"name": "short-lived", "expires_at": day.isoformat()}
    )

    token = ApiToken.objects.get(user=staff_member)
    assert timezone.localtime(token.expires_at).replace(tzinfo=None) == dt.datetime.combine(
        day, dt.time(23, 59)
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": ""}, "Give the token a name."),
        ({"name": "late", "expires_at": "2020-01-01"}, "The expiry date must be in the future."),
    ],
)
def test_security_page_refuses_bad_token_requests_with_a_reason(client_for, staff_member, data, message):
    response = client_for(staff_member).post("/accounts/security/tokens/", data, follow=True)

    assert message in response.content.decode()
    assert response.context["new_token"] is None
    assert not ApiToken.objects.exists()


def test_command_prints_a_working_token_for_the_user(staff_member):
    # when an operator creates a token from the command line, typing the address in capitals
    out = io.StringIO()
    call_command("create_api_token", "STAFF.Member@example.org", "--name", "etl", "--days", "7", stdout=out)

    # then the printed token is the only output, is stored as a hash, and expires in 7 days
    plain = out.getvalue().strip()
    token = ApiToken.objects.get(user=staff_member)
    assert token.name == "etl"
    _assert_stores_only_the_hash(token, plain)
    remaining = token.expires_at - timezone.now()
    assert dt.timedelta(days=6, hours=23) < remaining <= dt.timedelta(days=7)
    assert (
        AuditLog.objects.get(action="accounts.api_token.create").actor_label == "manage.py create_api_token"
    )
    response = Client().get(ME, **_bearer(plain))
    assert response.status_code == 200
    assert json.loads(response.content)["email"] == "staff.member@example.org"


def test_command_default_token_never_expires(staff_member):
    call_command("create_api_token", "staff.member@example.org", stdout=io.StringIO())

    token = ApiToken.objects.get()
    assert (token.name, token.expires_at) == ("command line", None)


def test_command_for_an_unknown_address_fails_and_creates_nothing(db):
    out = io.StringIO()
    with pytest.raises(CommandError, match=r"^No user with e-mail nobody@example\.org\.$"):
        call_command("create_api_token", "nobody@example.org", stdout=out)

    assert out.getvalue() == ""
    assert not ApiToken.objects.exists()


def test_command_reports_a_refusal_from_the_service(staff_member):
    staff_member.is_active = False
    staff_member.save()

    with pytest.raises(CommandError, match=r"^Inactive users cannot hold API tokens\.$"):
        call_command("create_api_token", "staff.member@example.org", stdout=io.StringIO())

    assert not ApiToken.objects.exists()


# --- Using ------------------------------------------------------------------------------------------


def test_bearer_token_identifies_its_owner_on_me(staff_member):
    # given a token
    _token, plain = services.api_token_create(user=staff_member, name="x")

    # when /me is called with it and no session
    response = Client().get(ME, **_bearer(plain))

    # then the caller is the owner
    assert response.status_code == 200
    assert json.loads(response.content) == {
        "id": staff_member.pk,
        "email": "staff.member@example.org",
        "full_name": "staff.member",
        "roles": ["staff"],
        "office": {
            "id": staff_member.office.pk,
            "code": "ro-lac",
            "name": "Regional Office for Latin America and the Caribbean",
        },
        "is_partner_user": False,
        "language": "",
    }


def test_using_a_token_records_when_it_was_last_used_at_most_every_five_minutes(staff_member):
    token, plain = services.api_token_create(user=staff_member, name="x")
    client = Client()

    client.get(ME, **_bearer(plain))
    token.refresh_from_db()
    first_use = token.last_used_at
    client.get(ME, **_bearer(plain))
    token.refresh_from_db()

    assert first_use is not None
    assert token.last_used_at == first_use
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now() - dt.timedelta(minutes=6))
    client.get(ME, **_bearer(plain))
    token.refresh_from_db()
    assert token.last_used_at > first_use


def test_changes_made_with_a_token_are_attributed_to_its_owner(administrator):
    # given an administrator's token
    from partnerhub.org.models import Office

    _token, plain = services.api_token_create(user=administrator, name="x")
    office = Office.objects.get(code="youth")

    # when an office is changed through the API with it (no session, CSRF enforced)
    response = Client(enforce_csrf_checks=True).patch(
        f"/api/v1/offices/{office.pk}",
        {"version": office.version, "city": "Kisumu"},
        content_type="application/json",
        **_bearer(plain),
    )

    # then history and audit name the administrator
    assert response.status_code == 200
    assert office.history().first().actor_label == "administrator@example.org"
    assert AuditLog.objects.get(action="org.office.update").actor_id == administrator.pk


def test_token_owner_stops_being_the_actor_when_the_request_ends(staff_member):
    from partnerhub.core.context import current_actor

    _token, plain = services.api_token_create(user=staff_member, name="x")

    Client().get(ME, **_bearer(plain))

    assert current_actor().label == "system"


def _revoked(user):
    token, plain = services.api_token_create(user=user, name="x")
    services.api_token_revoke(actor=user, token=token)
    return plain


def _expired(user):
    token, plain = services.api_token_create(user=user, name="x")
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    return plain


def _wrong_secret(user):
    _token, plain = services.api_token_create(user=user, name="x")
    return plain[:-4] + ("AAAA" if not plain.endswith("AAAA") else "BBBB")


def _of_deactivated_user(user):
    _token, plain = services.api_token_create(user=user, name="x")
    user.is_active = False
    user.save()
    return plain


@pytest.mark.parametrize(
    "make_token",
    [
        _revoked,
        _expired,
        _wrong_secret,
        _of_deactivated_user,
        lambda user: "garbage",
        lambda user: "phk_000000000000_nosuchtoken",
        lambda user: "",
    ],
    ids=["revoked", "expired", "wrong-secret", "deactivated-user", "garbage", "unknown-key", "empty"],
)
@pytest.mark.parametrize("method", ["GET", "PATCH"])
def test_unusable_token_is_answered_401_problem_json(staff_member, make_token, method):
    from partnerhub.org.models import Office

    token = make_token(staff_member)
    office = Office.objects.get(code="youth")
    client = Client(enforce_csrf_checks=True)

    if method == "GET":
        response = client.get(ME, **_bearer(token))
    else:
        response = client.patch(
            f"/api/v1/offices/{office.pk}",
            {"version": office.version, "city": "Kisumu"},
            content_type="application/json",
            **_bearer(token),
        )

    _assert_unauthorised(response)
    assert Office.objects.get(pk=office.pk).city == "Nairobi"


# --- Revoking ---------------------------------------------------------------------------------------


def test_owner_revokes_a_token_on_the_security_page_and_it_stops_working(client_for, staff_member):
    token, plain = services.api_token_create(user=staff_member, name="laptop")
    client = client_for(staff_member)

    response = client.post(f"/accounts/security/tokens/{token.pk}/revoke/", follow=True)

    token.refresh_from_db()
    assert token.revoked_at is not None
    assert "Token “laptop” revoked." in response.content.decode()
    assert (
        AuditLog.objects.filter(action="accounts.api_token.revoke", target_id=str(staff_member.pk)).count()
        == 1
    )
    _assert_unauthorised(Client().get(ME, **_bearer(plain)))


def test_revoking_twice_changes_nothing_the_second_time(staff_member):
    token, _plain = services.api_token_create(user=staff_member, name="x")
    services.api_token_revoke(actor=staff_member, token=token)
    first = ApiToken.objects.get(pk=token.pk).revoked_at

    services.api_token_revoke(actor=staff_member, token=ApiToken.objects.get(pk=token.pk))

    assert ApiToken.objects.get(pk=token.pk).revoked_at == first
    assert AuditLog.objects.filter(action="accounts.api_token.revoke").count() == 1


def test_someone_elses_token_cannot_be_revoked_on_the_security_page(client_for, staff_member, legal_officer):
    token, plain = services.api_token_create(user=legal_officer, name="legal's")

    response = client_for(staff_member).post(f"/accounts/security/tokens/{token.pk}/revoke/")

    assert response.status_code == 404
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None
    assert Client().get(ME, **_bearer(plain)).status_code == 200


def test_only_the_owner_or_an_administrator_may_revoke(staff_member, legal_officer, administrator):
    token, _plain = services.api_token_create(user=legal_officer, name="x")

    with pytest.raises(NotAllowed):
        services.api_token_revoke(actor=staff_member, token=token)
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None

    services.api_token_revoke(actor=administrator, token=token)
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None


def test_token_pages_refuse_get(client_for, staff_member):
    client = client_for(staff_member)

    assert client.get("/accounts/security/tokens/").status_code == 405
    assert not ApiToken.objects.exists()
