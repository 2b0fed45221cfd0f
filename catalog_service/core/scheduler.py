"""Exactly one scheduler (celery beat) per database.

Two beats would start every periodic task twice per period. The scheduler holds a PostgreSQL
session advisory lock for as long as it runs, on a connection of its own: a second beat finds it
taken, says which process holds it, and stops. PostgreSQL releases the lock when the holder's
connection ends, so a beat killed without a goodbye frees it for its successor at once. A
watchdog checks the connection every SCHEDULER_LOCK_CHECK_SECONDS: a beat that lost it (a
database restart) takes the lock again, or stops if another beat took it meanwhile.

On SQLite (the embedded setup: one machine, one process) there is no lock.
"""

import logging
import os
import signal
import socket
import threading

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

logger = logging.getLogger(__name__)

# pg_try_advisory_lock's key: "cate" "beat" as two int32s.
SCHEDULER_LOCK = (0x63617465, 0x62656174)
_HOLDER = (
    "SELECT a.application_name, a.client_addr, a.backend_start FROM pg_locks l"
    " JOIN pg_stat_activity a USING (pid) WHERE l.locktype = 'advisory' AND l.granted"
    " AND l.classid = %s::int::oid AND l.objid = %s::int::oid"
    " AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
)


class AnotherSchedulerRuns(SystemExit):
    pass


class SchedulerLock:
    def __init__(self):
        self.name = f"catalog-beat {socket.gethostname()} pid {os.getpid()}"
        self.connection = None

    def _connect(self):
        """A connection of the lock's own, outside Django's (which closes its own between tasks)
        and outside any pool."""
        default = connections[DEFAULT_DB_ALIAS]
        options = {k: v for k, v in default.settings_dict["OPTIONS"].items() if k != "pool"}
        wrapper = type(default)({**default.settings_dict, "OPTIONS": options}, "scheduler-lock")
        params = wrapper.get_connection_params()
        params.pop("server_side_binding", None)
        connection = wrapper.Database.connect(**params, autocommit=True)
        connection.execute("SELECT set_config('application_name', %s, false)", [self.name])
        return connection

    def acquire(self) -> None:
        """Takes the lock on a new connection, or raises AnotherSchedulerRuns naming its holder."""
        self.connection = self._connect()
        held = self.connection.execute("SELECT pg_try_advisory_lock(%s, %s)", SCHEDULER_LOCK)
        if held.fetchone()[0]:
            return
        holder = self.connection.execute(_HOLDER, SCHEDULER_LOCK).fetchone()
        self.connection.close()
        if holder is None:  # released between the two statements
            self.acquire()
            return
        name, address, since = holder
        raise AnotherSchedulerRuns(
            f"Another scheduler already runs on this database ({name or 'unnamed'} from "
            f"{address or 'a local socket'}, since {since:%Y-%m-%d %H:%M:%S %Z}): run exactly "
            "one celery beat per deployment (bin/start-beat, or WORKER_BEAT=true on one worker "
            "only). This one stops."
        )

    def _still_held(self) -> bool:
        try:
            self.connection.execute("SELECT 1")
            return True
        except Exception as exc:  # whatever broke the connection, the lock went with it
            logger.warning("the scheduler lost its lock's connection (%s)", exc)
        try:
            self.acquire()
        except AnotherSchedulerRuns as exc:
            logger.error("%s", exc)
            return False
        except Exception:  # the database is down: no other beat can take it either
            return True
        logger.warning("the scheduler lost its lock with its connection, and holds it again")
        return True

    def watch(self) -> None:
        while True:
            threading.Event().wait(settings.SCHEDULER_LOCK_CHECK_SECONDS)
            if not self._still_held():
                os.kill(os.getpid(), signal.SIGTERM)  # beat's own clean shutdown
                return


def scheduler_lock_hold() -> None:
    """Takes the scheduler's lock for the life of this process, or stops it (SystemExit)."""
    if connections[DEFAULT_DB_ALIAS].vendor != "postgresql":
        return
    lock = SchedulerLock()
    lock.acquire()
    logger.info("this process is the scheduler (%s)", lock.name)
    threading.Thread(target=lock.watch, name="scheduler-lock", daemon=True).start()
