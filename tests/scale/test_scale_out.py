"""Scale-out with real parts: two app hosts, a database host, a streaming replica (issue 20).

The network, PostgreSQL, its replica, Redis, gunicorn and the background roles are the real
programs, each on its own host (a network namespace). The tests run in file order and share
the district: intake first, then the cleaners, the sweep, the webhooks, the replica, and last
the death of one app host.
"""

import sys
import time
import uuid
from collections import Counter

import pytest

from tests.scale import cluster as cluster_module
from tests.scale import netns
from tests.scale.client import ClientHost, Receiver, bearer, call, sign_in
from tests.scale.cluster import Cluster

pytestmark = pytest.mark.slow

DEMO_PASSWORD = "jiefen-demo"
HOSTS = ("app1", "app2")


def wait_for(what: str, check, timeout: float = 40.0, every: float = 0.3):
    """Poll `check` until it returns something true; bounded in time."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


@pytest.fixture(scope="module")
def cluster():
    reason = netns.available() or cluster_module.available()
    if reason:
        pytest.skip(reason)
    district = Cluster()
    try:
        district.build()
        yield district
    finally:
        district.stop()


@pytest.fixture(scope="module")
def client(cluster):
    host = ClientHost(cluster.network)
    try:
        for app_host in HOSTS:
            base = cluster.app_url(app_host)

            def ready(base=base):
                try:
                    return call(base, "GET", "/readyz", timeout=3, connect=3).status == 200
                except OSError:
                    return False

            try:
                host.do(wait_for, f"{app_host} to serve", ready, 60)
            except AssertionError:
                raise AssertionError(cluster.log(f"{app_host}-web")) from None
        yield host
    finally:
        host.close()


@pytest.fixture(scope="module")
def district(cluster, client):
    """Sign-ins, the demo QR code, a second cleaner and a webhook subscription to a receiver."""
    cluster.run(
        "app1",
        [sys.executable, "-m", "flask", "users", "create", "cleaner2",
         "--password", DEMO_PASSWORD, "--role", "cleaner", "--area", "510503"],
        cluster.app_env(),
    )  # fmt: skip
    app1 = cluster.app_url("app1")
    tokens = {
        name: client.do(sign_in, app1, name, DEMO_PASSWORD)
        for name in ("admin", "cleaner", "cleaner2", "supervisor")
    }
    sites = client.do(call, app1, "GET", "/api/v1/qr-sites", headers=bearer(tokens["admin"]))
    receiver = Receiver()
    url = client.do(receiver.start, cluster.address("client"))
    created = client.do(
        call,
        app1,
        "POST",
        "/api/v1/webhooks",
        {"url": url, "events": ["report.created", "report.dispatched", "report.card_changed"]},
        bearer(tokens["admin"]),
    )
    assert created.status == 201, created.body
    categories = client.do(call, app1, "GET", "/api/v1/categories").json()
    try:
        yield {
            "tokens": tokens,
            "site_code": sites.json()["items"][0]["code"],
            "receiver": receiver,
            "category": next(c["code"] for c in categories if not c.get("parent_code")),
        }
    finally:
        client.do(receiver.stop)


def file_report(bases: list[str], site_code: str, key: str, text: str) -> dict | None:
    """A resident's phone: send, and on a failure try the next host with the same key."""
    body = {"site_code": site_code, "description": text, "client_uuid": key}
    for attempt in range(6):
        base = bases[attempt % len(bases)]
        try:
            answer = call(base, "POST", "/api/v1/public/reports", body, connect=2)
        except OSError:
            continue
        if answer.status in (200, 201):
            return answer.json()
        assert answer.status >= 500, answer.body  # nothing else is a reason to retry
    return None


def stored(cluster: Cluster, keys) -> Counter:
    quoted = ",".join(f"'{k}'" for k in keys)
    rows = cluster.sql("db", f"SELECT client_uuid FROM reports WHERE client_uuid IN ({quoted})")
    return Counter(rows.split())


def test_intake_from_both_hosts_keeps_every_acknowledged_report_once(cluster, client, district):
    app1, app2 = cluster.app_url("app1"), cluster.app_url("app2")
    keys = [f"scale-{uuid.uuid4().hex}" for _ in range(80)]

    def resident(i: int):
        # Every fourth phone retries: its answer was lost, it sends again to the other host.
        first = [app1, app2][i % 2]
        other = [app2, app1][i % 2]
        text = f"第{i}号楼下水道堵塞，污水外溢，请尽快处理"
        answer = file_report([first], district["site_code"], keys[i], text)
        if i % 4 == 0:
            again = file_report([other], district["site_code"], keys[i], text)
            assert again["tracking_no"] == answer["tracking_no"]
        return answer

    answers = client.map(resident, range(len(keys)))
    assert all(answers)
    assert len({a["tracking_no"] for a in answers}) == len(keys)
    assert stored(cluster, keys) == Counter({k: 1 for k in keys})
    district["intake_keys"] = keys


def test_rate_limits_are_shared_through_redis(cluster, client, district):
    # 15 page views an hour per address (app_env); 30 views alternate between the hosts.
    def view(i: int) -> int:
        host = HOSTS[i % 2]
        answer = call(cluster.app_url(host), "GET", f"/s/{district['site_code']}")
        if answer.status == 429:
            assert int(answer.headers["Retry-After"]) > 0
        return answer.status

    statuses = [client.do(view, i) for i in range(30)]
    assert statuses.count(200) == 15, statuses
    assert statuses.count(429) == 15, statuses
    # Both hosts refused: the count each saw included the other's.
    assert 429 in statuses[0::2] and 429 in statuses[1::2]


def test_claims_from_two_hosts_never_overlap(cluster, client, district):
    tokens = district["tokens"]
    waiting = int(cluster.sql("db", "SELECT count(*) FROM reports WHERE status = 'received'"))
    assert waiting >= 80

    def cleaner(job: tuple[str, str]) -> list[int]:
        name, host = job
        got: list[int] = []
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            answer = call(
                cluster.app_url(host), "POST", "/api/v1/queue/claim", {"limit": 5},
                bearer(tokens[name]),
            )  # fmt: skip
            assert answer.status == 200, answer.body
            items = answer.json()["items"]
            got += [item["report"]["id"] for item in items]
            # Claims skip rows another tab (or a pre-sorter sorting a batch) holds locked right
            # now, so an empty answer can come while reports still wait: a cleaner clicks again.
            # The tab stops when the database says nothing unclaimed is left, not after a
            # number of tries, which a loaded machine would make a matter of luck.
            if not items:
                if unclaimed_left() == 0:
                    break
                time.sleep(0.3)
        return got

    def unclaimed_left() -> int:
        return int(
            cluster.sql(
                "db",
                "SELECT count(*) FROM reports WHERE status = 'received'"
                " AND (claimed_by_user_id IS NULL OR claim_expires_at <= now())",
            )
        )

    # Two cleaners, each with three tabs open, on both hosts at once.
    jobs = [(name, host) for name in ("cleaner", "cleaner2") for host in HOSTS] * 3
    results = client.map(cleaner, jobs)
    by_cleaner = {name: [i for (n, _), got in zip(jobs, results, strict=True) for i in got if n == name]
                  for name in ("cleaner", "cleaner2")}  # fmt: skip
    everything = by_cleaner["cleaner"] + by_cleaner["cleaner2"]
    assert len(everything) == len(set(everything)), "a report was claimed twice"
    assert len(everything) == waiting
    assert by_cleaner["cleaner"] and by_cleaner["cleaner2"]
    district["claimed"] = by_cleaner["cleaner"]


def test_the_sweep_on_both_hosts_cards_each_case_once(cluster, client, district):
    token = district["tokens"]["cleaner"]
    chosen = district["claimed"][:20]

    def dispatch(report_id: int) -> int:
        body = {"action": "dispatch", "category_code": district["category"], "risk_level": "low"}
        host = HOSTS[report_id % 2]
        return call(
            cluster.app_url(host), "POST", f"/api/v1/reports/{report_id}/triage", body,
            bearer(token),
        ).status  # fmt: skip

    assert client.map(dispatch, chosen) == [200] * len(chosen)
    ids = ",".join(map(str, chosen))
    # Their deadlines passed an hour ago; both hosts' sweeps (every second) see it at once.
    cluster.sql(
        "db",
        "UPDATE reports SET accept_yellow_at = now() - interval '2 hours', "
        "accept_due_at = now() - interval '1 hour', yellow_at = now() - interval '2 hours', "
        f"due_at = now() - interval '1 hour' WHERE id IN ({ids})",
    )
    wait_for(
        "every case to be carded",
        lambda: cluster.sql("db", f"SELECT count(*) FROM reports WHERE id IN ({ids}) "
                                  "AND card = 'red'") == str(len(chosen)),
    )  # fmt: skip
    time.sleep(3)  # three more rounds of both sweeps
    events = cluster.sql(
        "db",
        f"SELECT report_id FROM report_events WHERE action = 'card_changed' AND report_id IN ({ids})",
    ).split()
    assert Counter(events) == Counter({str(i): 1 for i in chosen})


def test_each_webhook_event_reaches_the_receiver_once(cluster, client, district):
    def all_delivered() -> bool:
        left = cluster.sql(
            "db", "SELECT count(*) FROM webhook_deliveries WHERE status <> 'delivered'"
        )
        # Events the deliverers have not yet made deliveries of are not delivered either.
        waiting = cluster.sql(
            "db", "SELECT count(*) FROM webhook_outbox WHERE fanned_out_at IS NULL"
        )
        return left == "0" and waiting == "0"

    wait_for("the deliverers to empty the outbox", all_delivered, timeout=60)
    events = cluster.sql("db", "SELECT outbox_event_id FROM webhook_deliveries").split()
    received = district["receiver"].snapshot()
    assert len(events) >= 80 + 20 + 20  # created, dispatched, carded
    assert sorted(str(r["event_id"]) for r in received) == sorted(events)
    assert len({r["delivery"] for r in received}) == len(received)
    # Both hosts' deliverers took part.
    assert {r["sender"] for r in received} == {cluster.address(h) for h in HOSTS}


def test_statistics_and_ledger_read_from_the_replica(cluster, client, district):
    token = district["tokens"]["supervisor"]

    def total(host: str) -> int:
        answer = call(cluster.app_url(host), "GET", "/api/v1/stats/overview", headers=bearer(token))
        assert answer.status == 200, answer.body
        return answer.json()["total"]

    def ledger_rows(host: str) -> int:
        answer = call(cluster.app_url(host), "GET", "/api/v1/exports/ledger.csv",
                      headers=bearer(token))  # fmt: skip
        assert answer.status == 200, answer.body
        return len(answer.body.decode("utf-8-sig").strip().splitlines()) - 1

    primary_count = lambda: int(cluster.sql("db", "SELECT count(*) FROM reports"))  # noqa: E731
    wait_for("the replica to catch up", lambda: client.do(total, "app1") == primary_count())
    assert cluster.sql("replica", "SELECT pg_is_in_recovery()") == "t"

    # Stop the replica replaying: what it serves now stays as it is, whatever the primary gets.
    cluster.sql("replica", "SELECT pg_wal_replay_pause()")
    try:
        before = primary_count()
        keys = [f"replica-{uuid.uuid4().hex}" for _ in range(5)]
        bases = [cluster.app_url("app1")]
        for key in keys:
            assert client.do(
                file_report, bases, district["site_code"], key, "路灯坏了很久，晚上很黑"
            )
        assert primary_count() == before + 5
        for host in HOSTS:
            assert client.do(total, host) == before
            assert client.do(ledger_rows, host) == before
    finally:
        cluster.sql("replica", "SELECT pg_wal_replay_resume()")
    wait_for("the replica to replay again", lambda: client.do(total, "app2") == before + 5)
    assert client.do(ledger_rows, "app2") == before + 5


def test_killing_an_app_host_mid_load_loses_nothing_acknowledged(cluster, client, district):
    app1, app2 = cluster.app_url("app1"), cluster.app_url("app2")
    keys = [f"kill-{uuid.uuid4().hex}" for _ in range(40)]

    def resident(i: int):
        # Phones spread over both hosts (as a load balancer would) and fail over to the other.
        time.sleep(i * 0.05)
        bases = [app2, app1] if i % 2 else [app1, app2]
        return file_report(bases, district["site_code"], keys[i], f"{i}号摊位占道经营，影响通行")

    futures = [client.pool.submit(resident, i) for i in range(len(keys))]
    time.sleep(0.7)
    still_filing = sum(not f.done() for f in futures)
    cluster.kill_host("app2")
    answers = [f.result(timeout=150) for f in futures]

    assert still_filing > len(keys) // 2, "the host died after most of the load had ended"
    acknowledged = [k for k, a in zip(keys, answers, strict=True) if a]
    assert len(acknowledged) == len(keys)  # app1 took over every phone app2 had
    assert stored(cluster, acknowledged) == Counter({k: 1 for k in acknowledged})
    # The survivor's pre-sorter sorts what app2's would have.
    wait_for(
        "app1 to pre-sort the reports app2 took",
        lambda: cluster.sql(
            "db",
            "SELECT count(*) FROM reports r WHERE client_uuid LIKE 'kill-%' AND NOT EXISTS "
            "(SELECT 1 FROM report_suggestions s WHERE s.report_id = r.id)",
        )
        == "0",
    )
    assert cluster.processes["app1-web"].poll() is None
