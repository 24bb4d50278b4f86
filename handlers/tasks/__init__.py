"""Tasks in Telegram: new task, the list, the task card, reminders' buttons, next steps."""
