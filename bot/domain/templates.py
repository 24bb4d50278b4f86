"""Ready pipelines, one per business process (DOMAIN.md), in Russian and English."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class StageTemplate:
    name: dict[str, str]
    probability: int
    stall_days: int


@dataclass(frozen=True, slots=True)
class PipelineTemplate:
    kind: str
    name: dict[str, str]
    stages: tuple[StageTemplate, ...]
    lost_reasons: tuple[dict[str, str], ...]


def _s(ru: str, en: str, probability: int, stall_days: int) -> StageTemplate:
    return StageTemplate({"ru": ru, "en": en}, probability, stall_days)


def _r(ru: str, en: str) -> dict[str, str]:
    return {"ru": ru, "en": en}


_COMMON_REASONS = (
    _r("Дорого", "Too expensive"),
    _r("Выбрали конкурента", "Chose a competitor"),
    _r("Нет бюджета", "No budget"),
    _r("Нет потребности", "No need"),
    _r("Не дозвонились", "Could not reach"),
    _r("Сроки не подошли", "Timing did not fit"),
)

NEW_CLIENTS = PipelineTemplate(
    kind="new",
    name=_r("Новые клиенты", "New clients"),
    stages=(
        _s("Первый контакт", "First contact", 10, 2),
        _s("Квалификация", "Qualification", 20, 3),
        _s("Встреча / презентация", "Meeting / presentation", 35, 5),
        _s("Коммерческое предложение", "Proposal", 50, 5),
        _s("Переговоры", "Negotiation", 65, 7),
        _s("Договор", "Contract", 80, 5),
        _s("Оплата", "Payment", 90, 5),
    ),
    lost_reasons=(*_COMMON_REASONS, _r("Не ЛПР", "Not a decision maker")),
)

CURRENT_CLIENTS = PipelineTemplate(
    kind="current",
    name=_r("Действующие клиенты", "Current clients"),
    stages=(
        _s("Выявление потребности", "Needs review", 20, 3),
        _s("Предложение (допродажа)", "Up-sell / cross-sell offer", 45, 5),
        _s("Согласование", "Approval", 70, 5),
        _s("Счёт выставлен", "Invoice sent", 85, 5),
        _s("Оплата", "Payment", 95, 5),
    ),
    lost_reasons=(*_COMMON_REASONS, _r("Уже купили", "Already bought")),
)

WIN_BACK = PipelineTemplate(
    kind="winback",
    name=_r("Возврат клиентов", "Win-back"),
    stages=(
        _s("Контакт с ушедшим", "Reach the lost client", 10, 3),
        _s("Выяснение причин ухода", "Reasons for leaving", 20, 5),
        _s("Специальное предложение", "Win-back offer", 40, 7),
        _s("Договор", "Contract", 75, 7),
        _s("Оплата", "Payment", 90, 5),
    ),
    lost_reasons=(
        _r("Остались у конкурента", "Stayed with a competitor"),
        _r("Не устроило качество", "Unhappy with quality"),
        _r("Дорого", "Too expensive"),
        _r("Закрылись", "Went out of business"),
        _r("Не вышли на связь", "Could not reach"),
    ),
)

WHOLESALE = PipelineTemplate(
    kind="wholesale",
    name=_r("Опт", "Wholesale"),
    stages=(
        _s("Первый контакт", "First contact", 10, 3),
        _s("Квалификация закупщика", "Buyer qualification", 20, 5),
        _s("Прайс и условия отправлены", "Price list and terms sent", 35, 7),
        _s("Пробная партия", "Trial order", 50, 14),
        _s("Согласование договора поставки", "Supply contract negotiation", 70, 10),
        _s("Счёт выставлен", "Invoice sent", 85, 7),
        _s("Оплата", "Payment", 95, 7),
    ),
    lost_reasons=(
        *_COMMON_REASONS,
        _r("Не устроили условия отсрочки", "Payment terms did not fit"),
        _r("Не подошёл минимальный объём", "Minimum order too large"),
    ),
)

RETAIL = PipelineTemplate(
    kind="retail",
    name=_r("Розница", "Retail"),
    stages=(
        _s("Обращение", "Inquiry", 15, 1),
        _s("Подбор товара", "Product selection", 35, 2),
        _s("Счёт или бронь", "Invoice or reservation", 65, 2),
        _s("Оплата", "Payment", 90, 3),
    ),
    lost_reasons=(
        _r("Дорого", "Too expensive"),
        _r("Купили в другом месте", "Bought elsewhere"),
        _r("Нет в наличии", "Out of stock"),
        _r("Не дозвонились", "Could not reach"),
        _r("Передумали покупать", "Changed their mind"),
    ),
)

DEFAULT_PIPELINES = (NEW_CLIENTS, CURRENT_CLIENTS, WIN_BACK)
# What an admin can start a new pipeline from in /pipelines.
TEMPLATES = (*DEFAULT_PIPELINES, WHOLESALE, RETAIL)


def template_name(kind: str, lang: str) -> str | None:
    """The name a template is offered under in `lang`; None for a kind no template has."""
    template = next((t for t in TEMPLATES if t.kind == kind), None)
    return None if template is None else template.name.get(lang, template.name["en"])
