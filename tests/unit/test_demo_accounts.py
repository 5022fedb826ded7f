"""The demo's accounts: one for each role a person signs in as, each able to do its work."""

from sqlalchemy import select

from credit.demo import create_demo_accounts
from credit.models import User
from credit.services.users import ACCOUNT_ROLES


def test_the_demo_has_an_account_for_every_role_bound_as_its_work_needs(database, make, tmp_path):
    firm = make.enterprise()
    create_demo_accounts(database, tmp_path / "demo-accounts.tsv")
    with database.reading() as session:
        users = {user.role: user for user in session.scalars(select(User))}
    assert set(users) == set(ACCOUNT_ROLES)
    assert users["regulator"].region == "3211"
    assert users["enterprise"].uscc == firm
    agency = users["agency"]
    assert (agency.agency, agency.region, agency.kinds) == (
        "镇江市产品质量监督检验院",
        "3211",
        "inspection",
    )
