import pytest


@pytest.fixture
def backups_of_product_models(monkeypatch):
    """Back up only the product's models, not the vault tests' test-only Jotting.

    Collecting tests/vault registers Jotting in every worker, but its table exists only once a
    vault test has asked for `jotting_table`; a backup taken here must not depend on test order.
    """
    from ethos.accounts import backup

    discovered = backup._ethos_models
    monkeypatch.setattr(
        backup,
        "_ethos_models",
        lambda: [model for model in discovered() if not model.__module__.startswith("tests.")],
    )
