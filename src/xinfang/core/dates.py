"""Dates as people read them, and the one way a provisional date is marked: 暂定 with a
one-line reason (a year whose official holiday arrangement is not published yet). Pages,
the public site, Open311, notices and exports all say it the same way, through here."""

from __future__ import annotations

from datetime import date

PROVISIONAL = "暂定"


def cn_date(day: date) -> str:
    """2027年1月4日."""
    return f"{day.year}年{day.month}月{day.day}日"


def provisional_reason(day: date) -> str:
    """Why a date is provisional, in one line."""
    return f"{day.year}年节假日安排尚未公布，暂按法定节日和周末计算，公布后自动调整"


def date_text(day: date, provisional: bool = False) -> str:
    """The date in words, followed by （暂定：reason） when it is provisional."""
    text = cn_date(day)
    return f"{text}（{PROVISIONAL}：{provisional_reason(day)}）" if provisional else text
