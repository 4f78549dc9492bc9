"""Single sign-on against a real server and real providers on loopback, the browser's part
played by hand (its cookie jar, the redirects followed one by one): who signs in to which
account, and every hostile answer the issue lists, each refused with a clear reason and never
a 500."""

from concurrent.futures import ThreadPoolExecutor
from uuid import uuid4

import httpx
import pytest

from tests.factories import unique_email
from tests.integration.sign_in.conftest import AUTO_CREATE_DOMAIN
from tests.integration.sign_in.oidc_provider import Knobs, TestProvider
from tests.integration.test_web_accounts import admin_link

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
LINK_USED = {"success": False, "error": "This link is invalid, used or expired"}


def begin(client: httpx.Client, provider: str = "school") -> str:
    """The provider's sign-in address the service sends the browser to."""
    started = client.get(f"/auth/oidc/{provider}/start")
    assert started.status_code == 302, started.text
    return started.headers["location"]


def at_provider(authorize_url: str) -> str:
    """The address the provider sends the browser back to."""
    answer = httpx.get(authorize_url, timeout=30)
    assert answer.status_code == 302, answer.text
    return answer.headers["location"]


def come_back(client: httpx.Client, callback_url: str) -> str:
    """Where the service's callback sends the browser: the web client's address."""
    done = client.get(callback_url)
    assert done.status_code == 303, done.text
    assert done.headers["cache-control"] == "no-store"
    return done.headers["location"]


def sign_in(client: httpx.Client, provider: str = "school") -> str:
    return come_back(client, at_provider(begin(client, provider)))


def token_of(client: httpx.Client, landing: str) -> str:
    assert landing.startswith("/#/sign-in/"), landing
    exchanged = client.post("/auth/oidc/exchange", json={"code": landing.rsplit("/", 1)[1]})
    assert exchanged.status_code == 200, exchanged.text
    return exchanged.json()["data"]["token"]


def me(client: httpx.Client, token: str) -> dict:
    answer = client.get("/auth/me", headers={"Authorization": token})
    assert answer.status_code == 200, answer.text
    return answer.json()["data"]


def person(email: str | None = None, verified: object = True, **claims: object) -> dict:
    return {
        "sub": f"subject-{uuid4().hex}",
        "email": email or unique_email(),
        "email_verified": verified,
        "name": "Sam Single",
        **claims,
    }


def refused(landing: str) -> str:
    assert landing.startswith("/#/sign-in?error="), landing
    return landing.split("=", 1)[1]


def test_the_sign_in_page_learns_the_providers_and_who_logs_in_with_a_password(browser_client, api):
    options = browser_client.get("/auth/oidc/providers").json()["data"]
    assert options == {
        "providers": [
            {"key": "school", "name": "School Account"},
            {"key": "brief", "name": "Brief"},
            {"key": "mock", "name": "Mock District"},
            {"key": "down", "name": "Down"},
            {"key": "impostor", "name": "Impostor"},
        ],
        "passwordLogin": "admins",
    }
    # The other server has none configured: nothing changes for it.
    plain = api.get("/auth/oidc/providers").json()["data"]
    assert plain == {"providers": [], "passwordLogin": "everyone"}


def test_a_verified_email_signs_in_to_its_account_then_the_subject_does(
    browser_client, school, make_account
):
    account = make_account("teacher")
    school.user = person(account.email.upper())  # an email matches in any letter case
    started = browser_client.get("/auth/oidc/school/start")
    cookie = started.headers["set-cookie"]
    assert "la_oidc=" in cookie and "HttpOnly" in cookie and "Path=/auth/oidc" in cookie
    assert "samesite=lax" in cookie.lower()
    landing = come_back(browser_client, at_provider(started.headers["location"]))
    token = token_of(browser_client, landing)
    assert me(browser_client, token)["id"] == str(account.id)
    # The same token as a password login's: the assignment's routes take it.
    assert browser_client.get("/class", headers={"Authorization": token}).status_code == 200

    school.user = {**school.user, "email": unique_email()}  # changed at the provider
    again = token_of(browser_client, sign_in(browser_client))
    assert me(browser_client, again)["id"] == str(account.id)


def test_an_unverified_email_never_finds_an_account(browser_client, school, make_account):
    account = make_account("student")
    for verified in (False, None, "false", "yes"):
        school.user = person(account.email, verified=verified)
        assert refused(sign_in(browser_client)) == "unverified-email"
    school.user = person(account.email, verified="true")  # as some providers send it
    assert me(browser_client, token_of(browser_client, sign_in(browser_client)))["id"] == str(
        account.id
    )


def test_an_email_without_an_account_is_refused_unless_its_domain_makes_students(
    browser_client, school
):
    school.user = person(unique_email())
    assert refused(sign_in(browser_client)) == "no-account"
    newcomer = person(f"new.{uuid4().hex[:8]}@{AUTO_CREATE_DOMAIN}", name="Nia Newcomer")
    school.user = newcomer
    made = me(browser_client, token_of(browser_client, sign_in(browser_client)))
    assert (made["email"], made["name"], made["role"]) == (
        newcomer["email"], "Nia Newcomer", "student"
    )  # fmt: skip
    # Once: the next sign-in finds that account.
    again = me(browser_client, token_of(browser_client, sign_in(browser_client)))
    assert again["id"] == made["id"]


def test_an_invited_teacher_signs_in_and_the_invitation_is_accepted(
    browser_client, school, api, database_url
):
    admin_email = unique_email()
    token = admin_link(database_url, admin_email)
    assert api.post("/auth/password", json={"token": token, "password": "admin-pw-1"}).is_success
    admin = api.post("/auth/login", json={"email": admin_email, "password": "admin-pw-1"})
    admin_auth = {"Authorization": admin.json()["data"]["token"]}
    invitee = unique_email()
    invited = api.post(
        "/admin/invitations",
        json={"name": "Ines Invited", "email": invitee, "role": "teacher"},
        headers=admin_auth,
    )
    assert invited.status_code == 200, invited.text

    school.user = person(invitee)
    signed_in = me(browser_client, token_of(browser_client, sign_in(browser_client)))
    assert (signed_in["email"], signed_in["role"]) == (invitee, "teacher")
    pending = api.get("/admin/invitations?limit=200", headers=admin_auth).json()["data"]
    assert invitee not in [entry["email"] for entry in pending]
    link_token = invited.json()["data"]["link"].rsplit("/", 1)[1]
    assert api.post("/auth/invitation", json={"token": link_token}).json() == LINK_USED

    # The administrator signs in with the provider too (their email is verified there).
    school.user = person(admin_email)
    assert me(browser_client, token_of(browser_client, sign_in(browser_client)))["role"] == "admin"


def test_an_account_linked_to_one_subject_is_not_taken_by_another(
    browser_client, school, make_account
):
    account = make_account("student")
    school.user = person(account.email)
    token_of(browser_client, sign_in(browser_client))
    school.user = person(account.email)  # another subject of the same provider, same email
    assert refused(sign_in(browser_client)) == "linked-elsewhere"


def test_password_login_is_for_administrators_only_here(sign_in_setup, make_account, api):
    account = make_account("teacher")
    with httpx.Client(base_url=sign_in_setup.base_url, timeout=30) as here:
        login = {"email": account.email, "password": account.password}
        answer = here.post("/auth/login", json=login)
        assert (answer.status_code, answer.json()) == (403, {
            "success": False,
            "error": "Password login is for administrators; sign in with your school account",
        })  # fmt: skip
        wrong = here.post("/auth/login", json={**login, "password": "not-the-password"})
        assert (wrong.status_code, wrong.json()["error"]) == (400, "Invalid email or password")
        signup = {"name": "Neo", "email": unique_email(), "password": "secret1", "role": "student"}
        assert here.post("/auth/signup", json=signup).status_code == 403
    assert api.post("/auth/login", json=login).status_code == 200  # the other server: everyone


def test_the_one_time_code_works_once(browser_client, school, make_account):
    account = make_account("student")
    school.user = person(account.email)
    code = sign_in(browser_client).rsplit("/", 1)[1]
    first = browser_client.post("/auth/oidc/exchange", json={"code": code})
    assert first.status_code == 200
    for body in ({"code": code}, {"code": "x" * 43}):
        again = browser_client.post("/auth/oidc/exchange", json=body)
        assert (again.status_code, again.json()) == (400, LINK_USED)
    for bad in ({}, {"code": ""}, {"code": 5}, {"code": "x" * 201}):
        answer = browser_client.post("/auth/oidc/exchange", json=bad)
        assert (answer.status_code, answer.json()["error"]) == (400, "Invalid request schema")


# The hostile cases. Each is refused by one check of ours (named in its test); the README's
# "Single sign-on" says how each was shown to fail with that check taken out.


def test_a_wrong_state_is_refused_before_the_provider_is_asked(
    browser_client, school, make_account
):
    school.user = person(make_account("student").email)
    callback = at_provider(begin(browser_client))
    tampered = callback.replace("state=", "state=x")
    asked = school.token_requests
    assert refused(come_back(browser_client, tampered)) == "expired"
    assert school.token_requests == asked
    # A callback that no sign-in in this browser began (login CSRF): refused alike.
    with httpx.Client(timeout=30) as stranger:
        assert refused(come_back(stranger, callback)) == "expired"


def test_a_callback_naming_another_issuer_is_refused(browser_client, school, make_account):
    school.user = person(make_account("student").email)
    callback = at_provider(begin(browser_client))
    mixed_up = f"{callback}&iss=https%3A%2F%2Fanother-provider.example"  # RFC 9207
    assert refused(come_back(browser_client, mixed_up)) == "refused"


def test_a_replayed_code_is_refused(browser_client, school, make_account):
    school.user = person(make_account("student").email)
    started = browser_client.get("/auth/oidc/school/start")
    pending = started.cookies["la_oidc"]
    callback = at_provider(started.headers["location"])
    token_of(browser_client, come_back(browser_client, callback))
    asked = school.token_requests
    # The same browser again: the pending sign-in was forgotten, the provider is not asked.
    assert refused(come_back(browser_client, callback)) == "expired"
    assert school.token_requests == asked
    # With the pending cookie copied: the provider refuses the used code, and it is said so.
    with httpx.Client(timeout=30, cookies={"la_oidc": pending}) as thief:
        assert refused(come_back(thief, callback)) == "refused"
    assert school.token_requests == asked + 1


@pytest.mark.parametrize(
    "knobs",
    [
        Knobs(sign_with_other_key=True),  # a key the provider does not publish
        Knobs(sign_with_other_key=True, other_key_claims_real_kid=True),
        Knobs(alg="none"),
        Knobs(alg="HS256"),  # HMAC keyed with the provider's public key
        Knobs(audience="another-client"),
        Knobs(lifetime=-120),  # expired 2 minutes ago (OIDC_CLOCK_SKEW_SECONDS is 60)
        Knobs(nonce="not-this-sign-ins-nonce"),
        Knobs(issuer="http://127.0.0.1:1"),
    ],
    ids=["other-key", "other-key-same-kid", "alg-none", "hs256", "audience", "expired",
         "nonce", "issuer"],
)  # fmt: skip
def test_an_id_token_that_does_not_check_out_is_refused(
    browser_client, school: TestProvider, make_account, knobs: Knobs
):
    school.user = person(make_account("student").email)
    school.knobs = knobs
    assert refused(sign_in(browser_client)) == "refused"


def test_the_clock_skew_is_bounded_not_zero(browser_client, school, make_account):
    account = make_account("student")
    school.user = person(account.email)
    school.knobs = Knobs(lifetime=-30)  # expired 30 s ago, within the 60 s allowed
    assert me(browser_client, token_of(browser_client, sign_in(browser_client)))["id"] == str(
        account.id
    )


def test_rotated_keys_are_fetched_again(browser_client, school, make_account):
    school.user = person(make_account("student").email)
    token_of(browser_client, sign_in(browser_client))
    school.rotate()
    fetched = school.key_fetches
    token_of(browser_client, sign_in(browser_client))
    assert school.key_fetches == fetched + 1


def test_the_provider_refusing_is_said_and_the_pending_sign_in_forgotten(
    browser_client, school, make_account
):
    school.user = person(make_account("student").email)
    school.knobs = Knobs(deny=True)
    callback = at_provider(begin(browser_client))
    assert "error=access_denied" in callback
    answer = browser_client.get(callback)
    assert answer.headers["location"] == "/#/sign-in?error=cancelled"
    assert (
        'la_oidc=""' in answer.headers["set-cookie"] or "Max-Age=0" in answer.headers["set-cookie"]
    )
    # Also without state (oidc-provider-mock 0.3.4 sends none with its error).
    bare = browser_client.get("/auth/oidc/school/callback?error=access_denied")
    assert bare.headers["location"] == "/#/sign-in?error=cancelled"


def test_an_issuer_that_is_down_is_said_not_a_500(sign_in_setup, browser_client, make_account):
    started = browser_client.get("/auth/oidc/down/start")
    assert (started.status_code, started.headers["location"]) == (
        302, "/#/sign-in?error=unavailable"
    )  # fmt: skip
    unknown = browser_client.get("/auth/oidc/nobody/start")
    assert unknown.headers["location"] == "/#/sign-in?error=unknown-provider"
    # A discovery document that names another issuer than the one configured is not used.
    impostor = browser_client.get("/auth/oidc/impostor/start")
    assert impostor.headers["location"] == "/#/sign-in?error=unavailable"
    # Gone between the start and the return: the code cannot be redeemed.
    brief = sign_in_setup.brief
    brief.user = person(make_account("student").email)
    callback = at_provider(begin(browser_client, "brief"))
    brief.stop()
    assert refused(come_back(browser_client, callback)) == "unavailable"


def test_nothing_of_a_sign_in_is_logged(sign_in_setup, browser_client, school, make_account):
    school.user = person(make_account("student").email)
    callback = at_provider(begin(browser_client))
    landing = come_back(browser_client, callback)
    code = landing.rsplit("/", 1)[1]
    token = token_of(browser_client, landing)
    provider_code = httpx.URL(callback).params["code"]
    log = sign_in_setup.server.log_path.read_text()
    for secret in (code, token, provider_code):
        assert secret not in log


def race(clients: list[httpx.Client], callbacks: list[str]) -> list[str]:
    """The callbacks, each in its own browser, all at once: where each lands."""
    with ThreadPoolExecutor(len(clients)) as pool:
        return list(pool.map(come_back, clients, callbacks))


def test_racing_first_sign_ins_make_one_link_and_one_account(sign_in_setup, school, make_account):
    clients = [httpx.Client(base_url=sign_in_setup.base_url, timeout=30) for _ in range(6)]
    try:
        for email in (
            make_account("student").email,
            f"race.{uuid4().hex[:8]}@{AUTO_CREATE_DOMAIN}",
        ):
            school.user = person(email)  # one subject, signing in from six browsers at once
            callbacks = [at_provider(begin(client)) for client in clients]
            landings = race(clients, callbacks)
            accounts = {
                me(c, token_of(c, landing))["id"]
                for c, landing in zip(clients, landings, strict=True)
            }
            assert len(accounts) == 1
        # Two subjects of one provider, with one email, at once: one gets the account.
        email = make_account("student").email
        callbacks = []
        for client in clients[:2]:
            school.user = person(email)
            callbacks.append(at_provider(begin(client)))
        landings = race(clients[:2], callbacks)
        assert sorted(landing.startswith("/#/sign-in/") for landing in landings) == [False, True]
        assert "/#/sign-in?error=linked-elsewhere" in landings
    finally:
        for client in clients:
            client.close()
