"""/team with teams (departments): an admin shapes them, a head runs only their own team."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.models import AuditRow, DepartmentRow, UserRow
from tests.flows.conftest import join
from tests.flows.harness import Person

NOT_YOURS = "Это вам недоступно."
NO_MEMBER = "Такого сотрудника нет или с ним так нельзя."


async def make_team(admin: Person, name: str, head: str | None = None) -> None:
    """The admin adds a team from /team → Teams, and puts a head at it."""
    await admin.send("/team")
    await admin.press("🗂")
    await admin.press("➕")
    await admin.send(name)
    if head is not None:
        await admin.press(name)
        await admin.press("👤")
        await admin.press(f"➜ {head}")


async def move(admin: Person, member: str, team: str) -> None:
    await admin.send("/team")
    await admin.press(member)
    await admin.press("🔀")
    await admin.press(f"➜ {team}")


async def state(engine: AsyncEngine) -> dict[int, tuple[str | None, bool]]:
    """Each member's team name and whether they are active, by Telegram id."""
    async with engine.connect() as conn:
        rows = await conn.execute(
            select(UserRow.tg_id, DepartmentRow.name, UserRow.is_active).outerjoin(
                DepartmentRow, UserRow.department_id == DepartmentRow.id
            )
        )
        return {tg: (team, active) for tg, team, active in rows}


async def ids(engine: AsyncEngine) -> tuple[dict[int, int], dict[str, int]]:
    async with engine.connect() as conn:
        people = dict((await conn.execute(select(UserRow.tg_id, UserRow.id))).all())
        teams = dict((await conn.execute(select(DepartmentRow.name, DepartmentRow.id))).all())
    return people, teams


async def two_teams(
    admin: Person, seller: Person, person: Callable[..., Person]
) -> tuple[Person, Person, Person, Person]:
    """North (head Helen: Sergey, Olga) and South (head Hugo: Pavel)."""
    helen, hugo = person(3000, "Helen"), person(3001, "Hugo")
    olga, pavel = person(2500, "Olga"), person(2600, "Pavel")
    await join(admin, helen, "руководитель")
    await join(admin, hugo, "руководитель")
    await join(admin, olga, "менеджер")
    await join(admin, pavel, "менеджер")
    await make_team(admin, "Север", "Helen")
    assert admin.alert == "Руководитель назначен"
    assert "Руководитель: Helen" in admin.text
    await make_team(admin, "Юг", "Hugo")
    await move(admin, "Sergey", "Север")
    assert admin.alert == "Переведён(а)"
    assert "Отдел: Север" in admin.text
    await move(admin, "Olga", "Север")
    await move(admin, "Pavel", "Юг")
    return helen, hugo, olga, pavel


async def test_an_admin_builds_two_teams_and_each_head_sees_only_their_own(
    admin: Person, seller: Person, person: Callable[..., Person], engine: AsyncEngine
) -> None:
    helen, hugo, _, _ = await two_teams(admin, seller, person)
    teams = await state(engine)
    assert {tg: team for tg, (team, _) in teams.items()} == {
        1000: None,
        2000: "Север",
        2500: "Север",
        2600: "Юг",
        3000: None,
        3001: None,
    }
    await admin.send("/team")
    assert admin.text.splitlines() == [
        "<b>Команда</b> (6):",
        "",
        "🗂 <b>Север</b> · руководитель: Helen · сотрудников: 2",
        "• Sergey — менеджер",
        "• Olga — менеджер",
        "",
        "🗂 <b>Юг</b> · руководитель: Hugo · сотрудников: 1",
        "• Pavel — менеджер",
        "",
        "<b>Без отдела</b>",
        "• Anna — администратор",
        "• Helen — руководитель",
        "• Hugo — руководитель",
    ]
    assert "🗂 Отделы" in admin.buttons()
    await helen.send("/team")
    assert helen.text.splitlines() == [
        "<b>Команда</b> (3):",
        "",
        "🗂 <b>Север</b> · руководитель: Helen · сотрудников: 2",
        "• Sergey — менеджер",
        "• Olga — менеджер",
        "",
        "<b>Без отдела</b>",
        "• Helen — руководитель",
    ]
    assert helen.buttons() == ["Sergey", "Olga"]  # no "Teams" editor for a head
    await hugo.send("/team")
    assert "Pavel" in hugo.text and "Sergey" not in hugo.text
    async with engine.connect() as conn:
        audit = (
            await conn.execute(
                select(AuditRow.action, AuditRow.subject, AuditRow.before, AuditRow.after).order_by(
                    AuditRow.id
                )
            )
        ).all()
    assert audit == [
        ("team_create", "Север", None, "Север"),
        ("team_head", "Север", None, "Helen"),
        ("team_create", "Юг", None, "Юг"),
        ("team_head", "Юг", None, "Hugo"),
        ("team_move", "Sergey", None, "Север"),
        ("team_move", "Olga", None, "Север"),
        ("team_move", "Pavel", None, "Юг"),
    ]


async def test_a_head_cannot_reach_into_another_heads_team_even_by_forged_buttons(
    admin: Person, seller: Person, person: Callable[..., Person], engine: AsyncEngine
) -> None:
    helen, _, _, _ = await two_teams(admin, seller, person)
    people, teams = await ids(engine)
    before = await state(engine)
    async with engine.connect() as conn:
        audit_before = await conn.scalar(select(func.count()).select_from(AuditRow))
    pavel, sergey, olga = people[2600], people[2000], people[2500]
    for data, answer in [
        (f"mb:o:{pavel}:0", NO_MEMBER),  # open Pavel's card
        (f"mb:d:{pavel}:0", NO_MEMBER),  # start switching Pavel off
        (f"mb:t:{pavel}:{olga}", NO_MEMBER),  # switch Pavel off outright
        (f"mb:t:{sergey}:{pavel}", NO_MEMBER),  # hand Sergey's work to Pavel of the South
        (f"mb:m:{pavel}:0", NO_MEMBER),  # choose a team for Pavel
        (f"mb:g:{pavel}:{teams['Север']}", NO_MEMBER),  # pull Pavel into the North
        (f"mb:g:{sergey}:{teams['Юг']}", NOT_YOURS),  # push Sergey into the South
        (f"mb:g:{sergey}:0", NOT_YOURS),  # take Sergey out of every team
        (f"mb:o:{people[1000]}:0", NO_MEMBER),  # the admin is outside Helen's teams too
        ("mb:o:999999:0", NO_MEMBER),  # nobody
        (f"dp:r:{teams['Юг']}:0", NOT_YOURS),  # rename the South
        (f"dp:s:{teams['Юг']}:{people[3000]}", NOT_YOURS),  # make herself its head
        (f"dp:x:{teams['Север']}:0", NOT_YOURS),  # even her own team is the admin's to delete
        ("dp:l:0:0", NOT_YOURS),
    ]:
        await helen.press_data(data)
        assert helen.alert == answer, data
    assert await state(engine) == before
    async with engine.connect() as conn:
        assert await conn.scalar(select(func.count()).select_from(AuditRow)) == audit_before
    await helen.send("/team")
    await helen.press("Sergey")
    assert "Отдел: Север" in helen.text
    # Helen leads one team only: there is nowhere for her to move Sergey.
    assert helen.buttons(of="👤") == ["⛔ Отключить и передать дела", "◀️ Вся команда"]


async def test_a_head_switches_off_their_seller_and_hands_the_work_within_their_team(
    admin: Person, seller: Person, person: Callable[..., Person], engine: AsyncEngine
) -> None:
    helen, _, _, _ = await two_teams(admin, seller, person)
    await helen.send("/team")
    await helen.press("Sergey")
    await helen.press("Отключить и передать дела")
    assert helen.buttons() == ["➜ Helen", "➜ Olga", "◀️ Назад"]  # not Pavel, Hugo or Anna
    await helen.press("➜ Olga")
    assert helen.text.startswith("⛔ Sergey отключён(а). Olga получает")
    after = await state(engine)
    assert after[2000] == ("Север", False)
    assert after[2600] == ("Юг", True)
    async with engine.connect() as conn:
        last = (
            await conn.execute(
                select(AuditRow.action, AuditRow.subject).order_by(AuditRow.id.desc()).limit(1)
            )
        ).one()
    assert tuple(last) == ("deactivate", "Sergey")


async def test_a_head_who_leads_two_teams_moves_a_seller_between_them(
    admin: Person, seller: Person, person: Callable[..., Person], engine: AsyncEngine
) -> None:
    helen, _, _, _ = await two_teams(admin, seller, person)
    await make_team(admin, "Восток", "Helen")
    await helen.send("/team")
    await helen.press("Sergey")
    await helen.press("🔀")
    assert helen.buttons() == ["➜ Восток", "◀️ Назад"]  # not the South, not "out of every team"
    await helen.press("➜ Восток")
    assert "Отдел: Восток" in helen.text
    assert (await state(engine))[2000] == ("Восток", True)


async def test_bad_team_names_and_deleting_a_team_with_members_are_refused(
    admin: Person, seller: Person, person: Callable[..., Person], engine: AsyncEngine
) -> None:
    await make_team(admin, "Север")
    assert admin.texts[0] == "✅ Отдел «Север» создан."
    await admin.send("/team")
    await admin.press("🗂")
    await admin.press("➕")
    for typed, answer in [
        ("  ", "Пустой текст. Напишите, пожалуйста, словами."),
        ("сЕвЕр", "Отдел «сЕвЕр» уже есть. Выберите другое название."),
        (
            "Я" * 65,
            "Слишком длинно: 65 символов, можно не больше 64 символа. "
            "Сократите и отправьте ещё раз.",
        ),
    ]:
        await admin.send(typed)
        assert admin.texts == [answer], typed
    await admin.send("  Юг   и   Запад ")  # the step is still open after a refusal
    assert admin.texts[0] == "✅ Отдел «Юг и Запад» создан."
    await admin.press("Юг и Запад")
    await admin.press("Переименовать")
    await admin.send("север")
    assert "уже есть" in admin.text
    await admin.send("Юг")
    assert admin.text.startswith("🗂 <b>Юг</b>")
    await move(admin, "Sergey", "Юг")
    await admin.send("/team")
    await admin.press("🗂")
    await admin.press("Юг")
    await admin.press("Удалить")
    assert admin.alert == "В отделе «Юг» ещё есть сотрудники: сначала переведите их."
    await move(admin, "Sergey", "Север")
    await admin.send("/team")
    await admin.press("🗂")
    await admin.press("Юг")
    await admin.press("Удалить")
    assert admin.alert == "Отдел удалён"
    assert "Юг" not in admin.text
    async with engine.connect() as conn:
        names = (await conn.scalars(select(DepartmentRow.name))).all()
        actions = (await conn.scalars(select(AuditRow.action).order_by(AuditRow.id))).all()
    assert names == ["Север"]
    assert actions == [
        "team_create",
        "team_create",
        "team_rename",
        "team_move",
        "team_move",
        "team_delete",
    ]
    await admin.press_data("dp:o:999999:0")
    assert admin.alert == "Такого отдела нет, или он не в вашем ведении."
    await admin.press_data("dp:s:999999:1")
    assert admin.alert == "Такого отдела нет, или он не в вашем ведении."


async def test_only_an_active_head_is_put_at_the_head_of_a_team(
    admin: Person, seller: Person, engine: AsyncEngine
) -> None:
    await make_team(admin, "Север")
    people, teams = await ids(engine)
    await admin.press_data(f"dp:s:{teams['Север']}:{people[2000]}")  # Sergey is a seller
    assert admin.alert == NO_MEMBER
    await admin.press("Север")
    await admin.press("👤")
    assert admin.text.startswith("Нет активного руководителя")
    async with engine.connect() as conn:
        assert await conn.scalar(select(DepartmentRow.head_id)) is None


async def test_a_seller_is_refused_the_team_and_its_editor(
    admin: Person, seller: Person, engine: AsyncEngine
) -> None:
    await make_team(admin, "Север")
    _, teams = await ids(engine)
    await seller.send("/team")
    assert seller.text == "Это доступно только руководителям и администраторам."
    await seller.press_data(f"dp:x:{teams['Север']}:0")
    assert seller.alert == "Эта кнопка больше не действует. Откройте нужный раздел заново: /help"
    async with engine.connect() as conn:
        assert await conn.scalar(select(func.count()).select_from(DepartmentRow)) == 1


async def test_an_english_admin_shapes_teams_in_english(
    admin: Person, person: Callable[..., Person], engine: AsyncEngine
) -> None:
    admin.lang = "en"
    sam = person(2100, "Sam", "en")
    await join(admin, sam, "seller")
    await make_team(admin, "Key accounts")
    assert admin.texts[0] == "✅ Team “Key accounts” created."
    await admin.press("➕")
    await admin.send("KEY ACCOUNTS")
    assert admin.text == "A team named “KEY ACCOUNTS” exists already. Choose another name."
    await admin.send("/cancel")
    await move(admin, "Sam", "Key accounts")
    assert admin.alert == "Moved"
    assert "Team: Key accounts" in admin.text
    await admin.send("/team")
    assert "🗂 <b>Key accounts</b> · head: none · members: 1" in admin.text
    assert "<b>No team</b>" in admin.text
    await admin.press("🗂 Teams")
    assert admin.text.startswith("🗂 <b>Teams</b> (1):")
    await admin.press("Key accounts")
    await admin.press("Delete")
    assert admin.alert == "“Key accounts” still has members: move them to other teams first."
    assert (await state(engine))[2100] == ("Key accounts", True)


async def test_a_head_made_seller_or_switched_off_leaves_their_team_without_a_head(
    admin: Person, seller: Person, person: Callable[..., Person], engine: AsyncEngine
) -> None:
    helen, _, _, _ = await two_teams(admin, seller, person)
    await admin.send("/team")
    await admin.press("Helen")
    await admin.press("Сделать менеджером")
    await admin.send("/team")
    assert "🗂 <b>Север</b> · руководитель: не назначен · сотрудников: 2" in admin.text
    await helen.send("/team")
    assert helen.text == "Это доступно только руководителям и администраторам."
    await admin.press("Hugo")
    await admin.press("Отключить и передать дела")
    await admin.press("➜ Pavel")
    async with engine.connect() as conn:
        heads = dict((await conn.execute(select(DepartmentRow.name, DepartmentRow.head_id))).all())
    assert heads == {"Север": None, "Юг": None}


async def test_an_admin_takes_a_seller_out_of_the_only_team_and_then_deletes_it(
    admin: Person, person: Callable[..., Person], engine: AsyncEngine
) -> None:
    admin.lang = "en"
    sam = person(2100, "Sam", "en")
    await join(admin, sam, "seller")
    await make_team(admin, "Key accounts")
    await move(admin, "Sam", "Key accounts")
    await admin.press("🔀")
    assert admin.text == "Which team does Sam move to?"
    assert admin.buttons() == ["➜ Out of every team", "◀️ Back"]
    await admin.press("Out of every team")
    assert "Team: no team" in admin.text
    await admin.send("/team")
    await admin.press("🗂 Teams")
    await admin.press("Key accounts")
    await admin.press("Delete")
    assert admin.alert == "Team deleted"
    assert admin.text == (
        "🗂 <b>Teams</b> (0):\nNo teams yet: everyone works as one team. Add the first one."
    )
    async with engine.connect() as conn:
        audit = (
            await conn.execute(
                select(AuditRow.action, AuditRow.before, AuditRow.after).order_by(AuditRow.id)
            )
        ).all()
    assert [tuple(a) for a in audit] == [
        ("team_create", None, "Key accounts"),
        ("team_move", None, "Key accounts"),
        ("team_move", "Key accounts", None),
        ("team_delete", "Key accounts", None),
    ]


async def test_a_big_team_with_long_names_fits_one_message(
    admin: Person, engine: AsyncEngine
) -> None:
    await admin.send("/start")
    now = datetime(2026, 11, 23, 7, tzinfo=UTC)
    async with engine.begin() as conn:
        for n in range(40):
            name = f"{n:02d} " + "Отдел продаж крупным клиентам" * 3
            team = await conn.scalar(
                insert(DepartmentRow)
                .values(name=name[:64], name_key=name[:64].casefold(), created_at=now)
                .returning(DepartmentRow.id)
            )
            await conn.execute(
                insert(UserRow),
                [
                    {
                        "tg_id": 100_000 + n * 10 + i,
                        "name": "Константин Константинопольский" * 6,
                        "role": "seller",
                        "language": "ru",
                        "is_active": True,
                        "department_id": team,
                        "created_at": now,
                    }
                    for i in range(5)
                ],
            )
    await admin.send("/team")
    assert len(admin.text) <= 4096
    assert admin.text.startswith("<b>Команда</b> (201):")
    assert admin.text.splitlines()[-1].startswith("…и ещё ")


async def test_every_team_screen_leads_back_and_a_switch_off_can_be_called_off(
    admin: Person, seller: Person, engine: AsyncEngine
) -> None:
    """Found in the sandbox: a member's card, the team pickers and the list of teams had no
    way back, and "⛔ switch off" pressed by mistake left only the successors to choose."""
    await make_team(admin, "Север")
    await admin.send("/team")
    roster = admin.text
    await admin.press("Sergey")
    await admin.press("⛔")
    assert "◀️ Назад" in admin.buttons()
    await admin.press("◀️ Назад")
    assert admin.text.startswith("👤 <b>Sergey</b>")
    await admin.press("🔀")
    await admin.press("◀️ Назад")
    assert admin.text.startswith("👤 <b>Sergey</b>")
    await admin.press("◀️ Вся команда")
    assert admin.text == roster
    await admin.press("🗂")
    await admin.press("◀️ Вся команда")
    assert admin.text == roster
    assert (await state(engine))[seller.tg_id] == (None, True)
