"""The migration that turns "last four digits" credentials into full-phone ones."""

from __future__ import annotations

import importlib

from django.apps import apps
from django.contrib.auth.hashers import make_password

from tests.portal.helpers import new_phone, portal_case
from xinfang.portal.models import QueryCredential
from xinfang.portal.selectors import case_for_credentials

migration = importlib.import_module("xinfang.portal.migrations.0002_query_credential_full_phone")


def test_it_turns_last_four_credentials_into_full_phone_ones(online):
    phone = new_phone()
    petition, _ = portal_case(online, phone=phone)
    # A credential as the old code issued it: the hash of the last four digits.
    QueryCredential.objects.filter(petition=petition).update(
        kind="phone_last4", secret_hash=make_password(phone[-4:])
    )
    kept, password = portal_case(online)

    migration.to_full_phone(apps, None)

    credential = QueryCredential.objects.get(petition=petition)
    assert credential.kind == "phone" and credential.submission_key
    assert case_for_credentials(petition.tracking_code, phone[-4:]) is None
    assert case_for_credentials(petition.tracking_code, phone) == petition
    assert case_for_credentials(kept.tracking_code, password) == kept
