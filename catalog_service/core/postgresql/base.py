"""Django's PostgreSQL backend with a cheaper per-request health check, and bulk statements
kept within the parameters the server binds.

Django checks a persistent connection at the start of each request by sending `SELECT 1`: a
round trip to the server on every request, about a sixth of a small write's database work.
Here the check asks the kernel instead. Between requests the connection is idle and the server
sends nothing unprompted, so an idle socket with something to read means the server has closed
it (restart, failover, idle timeout, an administrator terminating the backend) or has sent a
message we did not ask for. Either way the connection is dropped and the request opens a new
one. A connection that is not idle, or that had errors, is still checked with `SELECT 1`.

With parameters bound by the server (settings: `server_side_binding`) one statement takes at most
65,535 of them, the protocol's 16-bit count; Django's backend assumes no limit, so its bulk
inserts, updates and deletes are batched here as its SQLite backend batches them.

With a connection pool (settings: `DB_POOL_MAX_SIZE`) the same check runs on each connection the
pool hands out (Django's own pool check is a round trip; without any, after a restart each
pooled connection would fail one request).
"""

import select
from itertools import chain

import psycopg
from django.db import models
from django.db.backends.postgresql import base, features, operations
from psycopg.pq import TransactionStatus

_READABLE = select.POLLIN | select.POLLPRI | select.POLLERR | select.POLLHUP


class DatabaseFeatures(features.DatabaseFeatures):
    max_query_params = 2**16 - 1


class DatabaseOperations(operations.DatabaseOperations):
    def bulk_batch_size(self, fields, objs):
        columns = list(
            chain.from_iterable(
                field.fields if isinstance(field, models.CompositePrimaryKey) else [field]
                for field in fields
            )
        )
        if not columns:
            return len(objs)
        return max(self.connection.features.max_query_params // len(columns), 1)


def _quiet(connection: psycopg.Connection) -> bool:
    """True if the server has sent nothing on this idle connection (it would be a close)."""
    poller = select.poll()
    try:
        poller.register(connection.fileno(), _READABLE)
        return not poller.poll(0)
    except (OSError, ValueError):
        return False


class DatabaseWrapper(base.DatabaseWrapper):
    features_class = DatabaseFeatures
    ops_class = DatabaseOperations

    def get_new_connection(self, conn_params):
        while True:
            connection = super().get_new_connection(conn_params)
            if not self.pool or _quiet(connection):
                return connection
            connection.close()  # closed by the server while in the pool: the pool drops it
            self.pool.putconn(connection)

    def close_if_health_check_failed(self):
        if self.pool or self.connection is None or self.health_check_done:
            return super().close_if_health_check_failed()
        if self.health_check_enabled and not self._idle_and_quiet():
            self.close()
        self.health_check_done = True

    def _idle_and_quiet(self) -> bool:
        """True if the connection is open, idle and has nothing waiting to be read."""
        connection = self.connection
        if connection.closed:
            return False
        if connection.info.transaction_status != TransactionStatus.IDLE:
            return self.is_usable()
        return _quiet(connection)
