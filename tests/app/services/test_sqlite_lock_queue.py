"""SQLite's write lock (every transaction takes it, extensions.configure_engine): the threads of one process
wait for it in a queue and get it the moment it is free, not at the next tick of SQLite's busy handler."""
from __future__ import annotations

import threading
import time

from sqlalchemy import create_engine, text

from coalition.extensions import configure_engine


def test_a_thread_waiting_for_sqlite_s_write_lock_gets_it_as_soon_as_the_holder_commits(tmp_path):
    """SQLite's own busy handler retries 1, 3, 8, ... 228, 328 ms after a failed BEGIN: a holder committing
    250 ms in would let the waiter in about 80 ms late, and under load the waiter keeps missing the lock."""
    engine = create_engine(f"sqlite:///{tmp_path / 'queue.db'}")
    configure_engine(engine)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (n INTEGER)"))
    waiting, got, committed = threading.Event(), [], []

    def waiter():
        with engine.connect() as connection:
            waiting.set()
            connection.begin()
            got.append(time.perf_counter())
            connection.execute(text("INSERT INTO t VALUES (2)"))
            connection.commit()

    lateness = []
    for _ in range(3):
        waiting.clear()
        with engine.connect() as holder:
            holder.begin()
            holder.execute(text("INSERT INTO t VALUES (1)"))
            thread = threading.Thread(target=waiter)
            thread.start()
            waiting.wait(5)
            time.sleep(0.25)
            committed.append(time.perf_counter())
            holder.commit()
        thread.join(10)
        lateness.append(got[-1] - committed[-1])
    engine.dispose()
    assert len(got) == 3 and min(lateness) > 0
    assert sorted(lateness)[1] < 0.04, lateness   # the median handover: woken, not polling
