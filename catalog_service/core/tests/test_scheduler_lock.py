"""Exactly one scheduler: a second celery beat on the same database stops and says which one
runs; a scheduler killed without a goodbye frees its place for the next at once."""

import pytest

from testing.services import wait_for

pytestmark = pytest.mark.timeout(120)


def test_a_second_beat_refuses_and_a_killed_one_is_replaced(beat_process, redis_db, settings):
    env = {"REDIS_URL": settings.REDIS_URL, "CELERY_BROKER_URL": settings.REDIS_URL}
    first = beat_process(**env)
    assert "this process is the scheduler" in first.output()

    with pytest.raises(RuntimeError, match="beat exited at start") as refused:
        beat_process(**env)
    message = str(refused.value)
    assert "Another scheduler already runs on this database" in message
    assert f"pid {first.process.pid}" in message  # which one: the running beat

    first.kill()  # SIGKILL: PostgreSQL ends its session, and its lock with it
    successor = beat_process(**env)
    assert successor.process.poll() is None
    assert "this process is the scheduler" in successor.output()


def test_a_beat_takes_its_lock_again_after_a_database_restart(
    beat_process, postgres_cluster, redis_db, settings
):
    database = postgres_cluster()
    env = {
        "DATABASE_URL": database.url,
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_BROKER_URL": settings.REDIS_URL,
        "SCHEDULER_LOCK_CHECK_SECONDS": 0.2,
    }
    first = beat_process(**env)
    database.stop()  # every session ends, the lock with it
    database.start()
    assert wait_for(lambda: "holds it again" in first.output(), 30), first.output()

    with pytest.raises(RuntimeError, match="Another scheduler already runs"):
        beat_process(**env)
    assert first.process.poll() is None
