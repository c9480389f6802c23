"""The console's charts as geometry for server-drawn SVG: spend per day stacked by vendor, and packages' remaining
against their total. Plain functions of the answers' numbers, no drawing library."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from contracts.money import parse_amount

# Colours that keep a 3:1 contrast against white (WCAG's for graphics), one per vendor in a fixed order.
PALETTE = ("#1f5fa8", "#b3541e", "#2e7d32", "#7b3fa0", "#8a6d00", "#00708a")


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    colour: str
    label: str  # what a screen reader and a hover say


@dataclass(frozen=True)
class StackedChart:
    width: int
    height: int
    bars: list[Bar]
    legend: list[tuple[str, str]]  # (vendor, colour)
    days: list[date]
    max_amount: int  # micro-units at the top of the scale
    total: int


def spend_by_day(charges: list[dict], today: date, days: int = 30, width: int = 720,
                 height: int = 200) -> StackedChart:
    """The charges' amounts per UTC day over the `days` up to `today`, one stacked bar per day by vendor."""
    first = today - timedelta(days=days - 1)
    per_day: dict[date, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for charge in charges:
        day = datetime.fromisoformat(charge["created_at"]).date()
        if first <= day <= today:
            per_day[day][charge.get("vendor") or "other"] += parse_amount(charge["amount"], signed=True)
    vendors = sorted({v for amounts in per_day.values() for v in amounts})
    colours = {v: PALETTE[i % len(PALETTE)] for i, v in enumerate(vendors)}
    highest = max((sum(max(0, a) for a in amounts.values()) for amounts in per_day.values()), default=0)
    scale = (height - 1) / highest if highest else 0
    slot = width / days
    bars = []
    for i in range(days):
        day = first + timedelta(days=i)
        y = float(height)
        for vendor in vendors:
            amount = per_day.get(day, {}).get(vendor, 0)
            if amount <= 0:
                continue
            h = max(1.0, amount * scale)
            y -= h
            bars.append(Bar(x=round(i * slot + slot * 0.15, 2), y=round(y, 2), width=round(slot * 0.7, 2),
                            height=round(h, 2), colour=colours[vendor],
                            label=f"{day.isoformat()} {vendor}: {format_micro(amount)} CNY"))
    total = sum(sum(a.values()) for a in per_day.values())
    return StackedChart(width, height, bars, [(v, colours[v]) for v in vendors],
                        [first + timedelta(days=i) for i in range(days)], highest, total)


@dataclass(frozen=True)
class Gauge:
    label: str
    fraction: float  # remaining / total, 0..1
    text: str


def package_gauges(packages: list[dict]) -> list[Gauge]:
    """Each package's remaining part of what it granted (CNY or card-hours), for a bar each."""
    gauges = []
    for package in packages:
        remaining, granted = Decimal(package["remaining"]), Decimal(package["granted"])
        fraction = float(max(Decimal(0), min(Decimal(1), remaining / granted))) if granted > 0 else 0.0
        unit = "CNY" if package["unit"] == "CNY" else "card-hours"
        name = f"{package.get('accelerator') or 'any accelerator'} · {unit}"
        gauges.append(Gauge(label=name, fraction=round(fraction, 4),
                            text=f"{package['remaining']} of {package['granted']} {unit} left"))
    return gauges


def format_micro(micro: int) -> str:
    """Micro-units as a decimal string with two places (for labels; amounts the API answers are shown as given)."""
    sign = "-" if micro < 0 else ""
    micro = abs(micro)
    return f"{sign}{micro // 1_000_000}.{(micro % 1_000_000) // 10_000:02d}"
