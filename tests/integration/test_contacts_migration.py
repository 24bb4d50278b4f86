"""Migration 0014 on a database with data: a client's contact kept on the client row becomes
the client's first contact person and its deals' contact; every deal and history row stays."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from alembic import command
from sqlalchemy import Connection, text

from storage.db import alembic_config, make_engine, run_migrations
from tests.integration.conftest import upgrade_to

AT = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)


def _old_rows(conn: Connection) -> None:
    """What a 0013 database holds: two clients (one with a contact on its row), three deals."""
    run = conn.execute
    run(
        text(
            'INSERT INTO "user" (id, tg_id, name, role, language, is_active, is_reachable,'
            " created_at) VALUES (1, 100, 'Sergey', 'seller', 'ru', true, true, :at)"
        ),
        {"at": AT},
    )
    run(
        text(
            "INSERT INTO pipeline (id, name, kind, position, is_archived)"
            " VALUES (1, 'Новые', 'new', 0, false)"
        )
    )
    run(
        text(
            "INSERT INTO stage (id, pipeline_id, name, position, probability, stall_days,"
            " is_archived) VALUES (1, 1, 'Первый контакт', 0, 10, 3, false)"
        )
    )
    for cid, company, name, phone, telegram, tg_id in (
        (1, "Ромашка", "Иван Петров", "8 (916) 123-45-67", "@ivan_p", 555),
        (2, "Лютик", None, None, None, None),
    ):
        run(
            text(
                "INSERT INTO client (id, company, company_search, contact_name, phone, telegram,"
                " tg_id, do_not_survey, created_by, created_at) VALUES (:id, :company,"
                " :search, :name, :phone, :telegram, :tg_id, false, 1, :at)"
            ),
            {
                "id": cid,
                "company": company,
                "search": company.casefold(),
                "name": name,
                "phone": phone,
                "telegram": telegram,
                "tg_id": tg_id,
                "at": AT,
            },
        )
    for did, cid in ((1, 1), (2, 1), (3, 2)):
        run(
            text(
                "INSERT INTO deal (id, title, title_search, client_id, amount, currency,"
                " pipeline_id, stage_id, owner_id, status, is_new_client, created_at,"
                " stage_entered_at, version) VALUES (:id, :title, :title, :cid, 100, 'RUB', 1,"
                " 1, 1, 'open', true, :at, :at, 3)"
            ),
            {"id": did, "title": f"deal {did}", "cid": cid, "at": AT},
        )
        run(
            text(
                "INSERT INTO deal_event (deal_id, kind, actor_id, at, text)"
                " VALUES (:id, 'note', 1, :at, 'hello')"
            ),
            {"id": did, "at": AT},
        )


async def test_a_clients_contact_becomes_its_contact_person_and_nothing_is_lost(
    empty_database: tuple[str, dict[str, Any]],
) -> None:
    url, options = empty_database
    engine = make_engine(url, **options)
    try:
        await run_migrations(engine, upgrade_to("0013"))
        async with engine.begin() as conn:
            await conn.run_sync(_old_rows)
        await run_migrations(engine, upgrade_to("0014"))
        async with engine.connect() as conn:
            contacts = (
                await conn.execute(
                    text(
                        "SELECT id, client_id, name, name_search, phone, phone_digits, username,"
                        " tg_id FROM contact"
                    )
                )
            ).all()
            deals = (
                await conn.execute(
                    text("SELECT id, client_id, contact_id, version FROM deal ORDER BY id")
                )
            ).all()
            notes = await conn.scalar(text("SELECT count(*) FROM deal_event WHERE text='hello'"))
    finally:
        await engine.dispose()
    [(contact_id, *person)] = contacts
    assert person == [
        1,
        "Иван Петров",
        "иван петров",
        "8 (916) 123-45-67",
        "79161234567",
        "ivan_p",
        555,
    ]
    assert [tuple(d) for d in deals] == [
        (1, 1, contact_id, 3),
        (2, 1, contact_id, 3),
        (3, 2, None, 3),
    ]
    assert notes == 3


async def test_the_migration_goes_down_and_up_again_with_the_data(
    empty_database: tuple[str, dict[str, Any]],
) -> None:
    url, options = empty_database
    engine = make_engine(url, **options)
    try:
        await run_migrations(engine, upgrade_to("0013"))
        async with engine.begin() as conn:
            await conn.run_sync(_old_rows)
        await run_migrations(engine, upgrade_to("0014"))
        await run_migrations(engine, lambda c: command.downgrade(alembic_config(c), "0013"))
        await run_migrations(engine, upgrade_to("0014"))
        async with engine.connect() as conn:
            linked = await conn.scalar(
                text("SELECT count(*) FROM deal WHERE contact_id IS NOT NULL")
            )
            people = await conn.scalar(text("SELECT count(*) FROM contact"))
    finally:
        await engine.dispose()
    assert (linked, people) == (2, 1)
