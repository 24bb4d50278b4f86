"""The stand-up in a team's group chat: its switch, its message, its buttons answered privately."""
