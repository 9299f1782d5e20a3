"""The integrations page follows Post/Redirect/Get: a reload after a POST
never sends the form again."""

from fixtures.accounts import PASSWORD
from imio.guichet.tokens.api import list_tokens
from imio.guichet.webhooks.api import list_subscriptions
from plone import api

import re
import requests
import transaction


PAGE = "@@guichet-integrations"


def admin(site):
    client = requests.Session()
    client.auth = ("siteadmin", PASSWORD)
    client.base = f"{site.absolute_url()}/{PAGE}"
    return client


def post(client, **fields):
    html = client.get(client.base).text
    token = re.search(r'name="_authenticator"\s+type="hidden"\s+value="([^"]+)"', html)
    return client.post(
        client.base,
        data={"_authenticator": token[1], **fields},
        allow_redirects=False,
    )


def test_a_token_made_then_the_page_reloaded(site):
    client = admin(site)
    made = post(client, action="add-token", user="backoffice_x", label="Serveur")
    assert made.status_code == 303
    assert made.headers["Location"] == client.base
    shown = client.get(made.headers["Location"])
    token = re.search(r"gt_[\w-]{40,}", shown.text)[0]
    # Reloading is a GET: no second token, and the token is not shown again.
    reloaded = client.get(made.headers["Location"])
    assert token not in reloaded.text
    transaction.begin()
    assert len(list_tokens()) == 1


def test_a_refusal_kept_with_what_was_typed(site):
    client = admin(site)
    uid = api.content.get_uuid(site.demarches.x)
    refused = post(
        client, action="add-webhook", procedure=uid, url="ftp://bo.example/hook"
    )
    assert refused.status_code == 303
    page = client.get(refused.headers["Location"]).text
    assert "alert-danger" in page
    assert "http or https" in page
    assert 'value="ftp://bo.example/hook"' in page
    assert re.search(
        rf'selected="selected"\s+value="{uid}"|value="{uid}"\s+selected', page
    )
    again = client.get(refused.headers["Location"]).text
    assert "alert-danger" not in again
    transaction.begin()
    assert list_subscriptions() == []


def test_retrying_the_failed_mails_is_shown_once(site):
    client = admin(site)
    retried = post(client, action="retry-failed-mail")
    assert retried.status_code == 303
    assert "mail-retried" in client.get(retried.headers["Location"]).text
    assert "mail-retried" not in client.get(retried.headers["Location"]).text
