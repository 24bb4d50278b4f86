"""Every editable field of a deal is written by a change and read back; an edit's history row
keeps its field and values."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.domain.deal_fields import FIELDS, FieldName, FieldValue
from bot.domain.deals import DealChange, DealEvent, DealQuery, EventKind
from bot.domain.ids import TelegramId
from bot.domain.models import Channel, Role
from bot.domain.templates import NEW_CLIENTS
from storage.uow import SqlUnitOfWorkFactory

NOW = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)
NEW_VALUES: dict[FieldName, FieldValue] = {
    FieldName.AMOUNT: 15_000_000,
    FieldName.TITLE: "ООО Ландыш",
    FieldName.PRODUCT: "CRM Pro",
    FieldName.CHANNEL: Channel.WEBINARS,
    FieldName.REGION: "Казань",
    FieldName.CLOSE_DATE: datetime(2026, 12, 25, 9, 0, tzinfo=UTC),
}


async def test_each_editable_field_is_persisted(uow_factory: SqlUnitOfWorkFactory) -> None:
    assert set(NEW_VALUES) == set(FIELDS)
    async with uow_factory() as uow:
        seller = await uow.users.add(TelegramId(2), "Sergey", None, Role.SELLER, "ru", NOW)
        await uow.pipelines.add_from_template(NEW_CLIENTS, "ru", 0)
        [pipeline] = await uow.pipelines.list_active()
        deal = await uow.deals.add(
            title="ООО Ромашка",
            client_id=None,
            amount=100,
            pipeline_id=pipeline.id,
            stage_id=pipeline.stages[0].id,
            owner_id=seller.id,
            channel=None,
            product=None,
            is_new_client=True,
            now=NOW,
        )
        await uow.commit()
    for name, value in NEW_VALUES.items():
        field = FIELDS[name]
        async with uow_factory() as uow:
            current = await uow.deals.get(deal.id)
            assert current is not None
            assert await uow.deals.apply(DealChange.of(current, **{field.attr: value}))
            await uow.events.add(
                DealEvent(
                    deal.id, EventKind.EDIT, seller.id, NOW, field=name, after=field.encode(value)
                )
            )
            await uow.commit()
        async with uow_factory() as uow:
            again = await uow.deals.get(deal.id)
            assert again is not None and field.current(again) == value
    async with uow_factory() as uow:
        events = await uow.events.for_deal(deal.id)
        found = await uow.deals.page(DealQuery(text="ландыш"))
    assert [(e.field, FIELDS[FieldName(e.field or "")].decode(e.after)) for e in events] == list(
        NEW_VALUES.items()
    )
    assert [d.id for d in found[0]] == [deal.id]  # a new title is found by a search
