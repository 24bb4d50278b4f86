"""Bounded numbers for callback data: a forged button with a huge number is refused by the
filter (and answered as outdated) instead of reaching the database or the calendar."""

from typing import Annotated

from pydantic import Field

CbId = Annotated[int, Field(ge=0, le=2**53)]
CbArg = Annotated[int, Field(ge=-1, le=2**53)]
CbMinutes = Annotated[int, Field(ge=0, le=100_000_000)]  # epoch minutes, until year 2160
CbPage = Annotated[int, Field(ge=0, le=100_000)]
