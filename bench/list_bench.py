"""How the app's ticket list copes with a big store: time to first screen, to jump to the
end, to page, and the process's memory, for N tickets (default 100,000).

    .venv/bin/python bench/list_bench.py [N]
"""

from __future__ import annotations

import asyncio
import resource
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from helpspace_tui.app import HelpspaceApp
from helpspace_tui.config import AgentConfig, Config
from helpspace_tui.domain.models import Address, MessageKind, Status
from helpspace_tui.services.desk import Desk
from helpspace_tui.store import NewMessage, Store
from helpspace_tui.widgets.ticket_table import TicketTable


def build(path: Path, n: int) -> float:
    started = time.perf_counter()
    store = Store(path)
    base = datetime(2026, 1, 1, tzinfo=UTC)
    statuses = [Status.OPEN, Status.OPEN, Status.WAITING, Status.ESCALATED, Status.CLOSED]
    for start in range(0, n, 5000):
        with store.write():
            for i in range(start, min(n, start + 5000)):
                at = base + timedelta(minutes=i)
                customer = Address(f"Customer {i % 7919}", f"c{i % 7919}@cust.test")
                tid = store.tickets.create(f"Question number {i} about invoices", customer,
                                           statuses[i % 5], at)
                store.messages.add(NewMessage(ticket_id=tid, kind=MessageKind.CUSTOMER, date=at,
                                              sender=customer, subject=f"Question {i}",
                                              text="Hello,\n\nsomething broke.\n"), at)
    store.close()
    return time.perf_counter() - started


async def drive(path: Path) -> dict[str, float]:
    config = Config(path=path.parent / "c.toml", agent=AgentConfig(name="bench"))
    desk = Desk.open(config, store_path=path)
    app = HelpspaceApp(desk)
    figures: dict[str, float] = {}
    t0 = time.perf_counter()
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        figures["first screen (s)"] = time.perf_counter() - t0
        await pilot.press("i", "j", "j", "j", "l")  # the All inbox
        await pilot.pause()
        table = app.screen.query_one(TicketTable)
        figures["tickets in All"] = table.total
        t = time.perf_counter()
        await pilot.press("G")
        await pilot.pause()
        figures["G to the last ticket (s)"] = time.perf_counter() - t
        t = time.perf_counter()
        for _ in range(20):
            await pilot.press("pageup")
        await pilot.pause()
        figures["20 x PgUp (s)"] = time.perf_counter() - t
    desk.close()
    figures["max RSS (MB)"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return figures


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.db"
        print(f"built {n} tickets in {build(path, n):.1f} s "
              f"({path.stat().st_size / 1e6:.0f} MB)")
        for key, value in asyncio.run(drive(path)).items():
            print(f"{key:>26}: {value:.2f}" if isinstance(value, float) else f"{key:>26}: {value}")


if __name__ == "__main__":
    main()
