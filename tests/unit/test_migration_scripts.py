"""Where the migrations are found: inside an installed package (the wheel maps alembic/ there),
else in the checkout's top-level alembic/."""

from infrastructure.database import migrations


def test_a_packaged_folder_counts_only_with_its_scripts_in_it(tmp_path, monkeypatch):
    packaged = tmp_path / "schema_migrations"
    (packaged / "__pycache__").mkdir(parents=True)  # what an old checkout keeps after a pull
    monkeypatch.setattr(migrations, "PACKAGED_SCRIPTS", packaged)
    assert migrations.scripts_folder() == migrations.CHECKOUT_SCRIPTS
    (packaged / "env.py").write_text("")
    assert migrations.scripts_folder() == packaged


def test_in_the_checkout_the_top_level_alembic_folder_holds_them():
    assert migrations.CHECKOUT_SCRIPTS.name == "alembic"
    assert (migrations.CHECKOUT_SCRIPTS / "env.py").is_file()
    assert migrations.head_revisions()
