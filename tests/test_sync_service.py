"""`helpspace sync` as the service of a shared server: new mail lands within a second or
two through IMAP IDLE, and a waiting timer fires on time, though the poll interval is a
minute (SPEC M1, S4, G1). Runs the real command in a subprocess against Dovecot."""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from helpspace_tui.domain.models import Status
from helpspace_tui.services import actions
from helpspace_tui.services.identity import current_agent
from helpspace_tui.store import Store

try:
    from tests.servers import Mailbox, make_mail
    from tests.test_cli_e2e import write_config
except ImportError:
    from servers import Mailbox, make_mail
    from test_cli_e2e import write_config


def wait_for(condition, seconds: float) -> float:  # noqa: ANN001
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        if condition():
            return time.monotonic() - start
        time.sleep(0.1)
    raise AssertionError(f"not within {seconds} s")


def test_m1_s4_the_sync_service_wakes_for_new_mail_and_for_timers(
        tmp_path: Path, mailbox: Mailbox) -> None:
    config = write_config(tmp_path, mailbox, None, extra="")  # poll_seconds: default 60
    mailbox.append(make_mail(1, subject="First", sender="ann@cust.test"))
    service = subprocess.Popen(
        [sys.executable, "-m", "helpspace_tui", "--config", str(config), "sync"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        store_path = tmp_path / "store.db"
        wait_for(store_path.exists, 10)
        store = Store(store_path)

        def tickets() -> int:
            return int(store.db.scalar("SELECT count(*) FROM tickets") or 0)

        wait_for(lambda: tickets() == 1, 10)
        time.sleep(0.5)  # let it reach IDLE
        mailbox.append(make_mail(2, subject="Second", sender="bo@cust.test"))
        took = wait_for(lambda: tickets() == 2, 10)
        assert took < 5  # IDLE, not the 60 s poll

        me = current_agent(store)
        now = datetime.now(UTC)
        actions.set_status(store, me, 1, Status.WAITING, until=now + timedelta(seconds=3),
                           then=Status.ESCALATED, now=now)
        # the service waits in IDLE for up to a minute, but fires the timer on time
        took = wait_for(lambda: store.tickets.get(1).status is Status.ESCALATED, 15)
        assert took < 3 + 3 + 2  # due in 3 s, checked every 3 s, plus a sync
        store.close()
    finally:
        service.terminate()
        out, err = service.communicate(timeout=10)
    assert "Traceback" not in err
    assert "sync: 1 fetched" in out
