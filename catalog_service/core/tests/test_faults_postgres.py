"""PostgreSQL restarted under a load of reads: 503 JSON while it is down, never a traceback, and
the API recovers by itself. Lost: nothing (reads that failed were answered 503, not counted)."""

import threading
import time

import pytest
import requests

pytestmark = pytest.mark.timeout(180)


def wait_until(condition, what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"no {what} within {timeout} s")
        time.sleep(0.05)


def test_postgres_restart_answers_503_then_recovers(live_api, postgres_cluster):
    private_postgres = postgres_cluster().migrate()
    api = live_api(DATABASE_URL=private_postgres.url, DB_CONN_MAX_AGE=60)
    url = f"{api.url}/api/v1/product/"
    assert requests.get(url, timeout=10).status_code == 200

    answers: list[tuple[float, int, str]] = []
    stop = threading.Event()

    def reader():
        with requests.Session() as session:
            while not stop.is_set():
                response = session.get(url, timeout=10)
                answers.append((time.monotonic(), response.status_code, response.text))
                time.sleep(0.02)

    def answered_after(moment: float) -> int:
        return sum(1 for t, _, _ in list(answers) if t > moment)

    threads = [threading.Thread(target=reader) for _ in range(4)]
    for thread in threads:
        thread.start()
    try:
        wait_until(lambda: answered_after(0) >= 20, "reads before the outage")
        private_postgres.stop()
        down_at = time.monotonic()
        wait_until(lambda: answered_after(down_at + 0.5) >= 20, "answers during the outage")
        restarting_at = time.monotonic()  # it may accept connections before start() returns
        private_postgres.start()
        up_at = time.monotonic()
        wait_until(lambda: answered_after(up_at + 1.5) >= 20, "answers after the restart")
    finally:
        stop.set()
        for thread in threads:
            thread.join()

    statuses = {status for _, status, _ in answers}
    assert statuses <= {200, 503}, statuses
    outage = [(s, body) for t, s, body in answers if down_at + 0.5 < t < restarting_at]
    assert outage and all(s == 503 for s, _ in outage)
    assert all('"code":"service_unavailable"' in body.replace(" ", "") for _, body in outage)
    assert not any("Traceback" in body for _, _, body in answers)
    recovered = [s for t, s, _ in answers if t > up_at + 1.5]
    assert recovered and set(recovered) == {200}
