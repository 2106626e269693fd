"""braze-mock from another language: the binary started by a Python test suite, driven
over plain HTTP through its control API (`--control`), with nothing but the standard
library.

Run from the repository root after `cargo build -p braze-mock`:

    python3 -m unittest discover -s tests/python -v

`BRAZE_MOCK` names the binary (default: target/debug/braze-mock, or the `braze-mock` on
PATH). Everything goes to 127.0.0.1; the dates are the fake's (its clock starts at
2030-01-01), not today's.
"""

import json
import os
import shutil
import signal
import subprocess
import threading
import unittest
import urllib.error
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
KEY = "python-test-key"
LATER = "2031-05-24T21:30:00Z"

# Loopback only: a proxy from the environment must not see these requests.
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def binary():
    given = os.environ.get("BRAZE_MOCK")
    if given:
        return given
    built = os.path.join(ROOT, "target", "debug", "braze-mock")
    if os.path.exists(built):
        return built
    found = shutil.which("braze-mock")
    if found:
        return found
    raise unittest.SkipTest("no braze-mock binary: cargo build -p braze-mock, or set BRAZE_MOCK")


class Fake:
    """A `braze-mock` process on a free port, with the control API on."""

    def __init__(self, *args, control=True):
        command = [
            binary(), "--port", "0", "--quiet", "--key", KEY,
            "--seed", "7", "--now", "2030-01-01T00:00:00Z", *args,
        ]
        if control:
            command.append("--control")
        self.process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        line = []
        reader = threading.Thread(target=lambda: line.append(self.process.stdout.readline()))
        reader.start()
        reader.join(timeout=30)
        first = line[0] if line else ""
        prefix = "braze-mock listening on "
        if not first.startswith(prefix):
            self.stop()
            raise RuntimeError(f"braze-mock did not start: {first!r} {self.process.stderr.read()!r}")
        self.url = first[len(prefix):].strip()

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.process.stdout.close()
        self.process.stderr.close()

    def request(self, method, path, body=None, key=None, headers=None):
        """(status, parsed JSON answer, headers) of one request."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.url + path, data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if key is not None:
            request.add_header("Authorization", f"Bearer {key}")
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        try:
            with OPENER.open(request, timeout=10) as answer:
                return answer.status, json.loads(answer.read() or b"null"), answer.headers
        except urllib.error.HTTPError as error:
            text = error.read()
            return error.code, json.loads(text) if text else None, error.headers

    # The fake Braze API, with the key.
    def braze(self, path, body):
        return self.request("POST", path, body, key=KEY)

    # The control API: no key.
    def control(self, method, path, body=None, expect=200):
        status, answer, _ = self.request(method, "/_mock" + path, body)
        if status != expect:
            raise AssertionError(f"{method} /_mock{path}: {status} {answer}")
        return answer


class ControlApi(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # Strict: only what a test seeds exists.
        cls.fake = Fake("--strict")

    @classmethod
    def tearDownClass(cls):
        cls.fake.stop()

    def setUp(self):
        self.assertEqual(self.fake.control("POST", "/reset"), {"ok": True})

    def seed_campaign_and_user(self):
        campaign = self.fake.control(
            "POST", "/campaigns", {"id": "welcome", "kind": "api_triggered"}
        )
        self.assertEqual(campaign, {"id": "welcome", "kind": "api_triggered", "status": "active"})
        self.fake.control(
            "POST", "/users", {"external_id": "u1", "email": "u1@example.com"}
        )

    def trigger(self, user="u1"):
        return self.fake.braze(
            "/campaigns/trigger/send",
            {"campaign_id": "welcome", "recipients": [{"external_user_id": user}]},
        )

    def test_a_seeded_campaign_is_scheduled_and_cancelled(self):
        create = {
            "campaign_id": "welcome",
            "recipients": [{"external_user_id": "u1"}],
            "schedule": {"time": LATER},
        }
        status, answer, _ = self.fake.braze("/campaigns/trigger/schedule/create", create)
        self.assertEqual((status, answer["message"]), (400, "Invalid Campaign ID"))

        self.seed_campaign_and_user()
        status, answer, _ = self.fake.braze("/campaigns/trigger/schedule/create", create)
        self.assertEqual(status, 201, answer)
        schedule_id = answer["schedule_id"]

        [stored] = self.fake.control("GET", "/schedules")["schedules"]
        self.assertEqual(stored["schedule_id"], schedule_id)
        self.assertEqual(stored["kind"], "campaign")
        self.assertEqual(stored["campaign_id"], "welcome")
        self.assertEqual(stored["schedule"], {"time": LATER})
        self.assertEqual(stored["targeting"]["recipients"], 1)
        self.assertEqual(self.fake.control("GET", f"/schedules/{schedule_id}"), stored)

        status, answer, _ = self.fake.braze(
            "/campaigns/trigger/schedule/delete",
            {"campaign_id": "welcome", "schedule_id": schedule_id},
        )
        self.assertEqual((status, answer), (200, {"message": "success"}))
        self.assertEqual(self.fake.control("GET", "/schedules"), {"schedules": []})
        self.fake.control("GET", f"/schedules/{schedule_id}", expect=404)

    def test_an_injected_503_strikes_its_path_only(self):
        self.seed_campaign_and_user()
        rule = self.fake.control(
            "POST", "/faults", {"spec": "503:next=1@/campaigns/trigger/send"}
        )
        self.assertEqual(rule["left"], 1)

        status, _, _ = self.fake.braze(
            "/sends/id/create", {"campaign_id": "welcome", "send_id": "spring"}
        )
        self.assertEqual(status, 201, "another path is not faulted")
        status, answer, headers = self.trigger()
        self.assertEqual((status, answer), (503, {"message": "Service Unavailable"}))
        self.assertIn("x-ratelimit-remaining", headers)
        status, _, _ = self.trigger()
        self.assertEqual(status, 201, "next=1: the fault is spent")

        faults = self.fake.control("GET", "/faults")
        self.assertEqual(faults["counts"]["status"], 1)
        self.assertEqual(faults["rules"][0]["left"], 0)
        log = self.fake.control("GET", "/requests")["requests"]
        self.assertEqual([entry["fault"] for entry in log], [None, "503", None])
        self.assertEqual([entry["status"] for entry in log], [201, 503, 201])
        # A send faulted before processing leaves no dispatch.
        self.assertEqual(len(self.fake.control("GET", "/dispatches")["dispatches"]), 1)

        self.assertEqual(self.fake.control("DELETE", f"/faults/{rule['id']}")["id"], rule["id"])
        self.assertEqual(self.fake.control("GET", "/faults")["rules"], [])

    def test_the_dispatch_log_shows_who_got_a_send(self):
        self.seed_campaign_and_user()
        # In strict mode a user nobody seeded is skipped, not sent to.
        status, answer, _ = self.fake.braze(
            "/campaigns/trigger/send",
            {
                "campaign_id": "welcome",
                "recipients": [{"external_user_id": "u1"}, {"external_user_id": "stranger"}],
            },
        )
        self.assertEqual(status, 201, answer)
        self.assertEqual(len(answer["errors"]), 1, answer)

        dispatches = self.fake.control("GET", "/dispatches")["dispatches"]
        self.assertEqual(len(dispatches), 1)
        [dispatch] = dispatches
        self.assertEqual(dispatch["dispatch_id"], answer["dispatch_id"])
        self.assertEqual(dispatch["operation"], "trigger_campaign_send")
        self.assertEqual(dispatch["campaign_id"], "welcome")
        self.assertEqual(dispatch["users"], [{"external_user_id": "u1"}])
        self.assertTrue(dispatch["at"].startswith("2030-01-01T"), dispatch["at"])

    def test_the_request_log_never_shows_the_key(self):
        self.seed_campaign_and_user()
        self.trigger()
        status, answer, _ = self.fake.request(
            "GET", "/_mock/requests"
        )
        self.assertEqual(status, 200)
        self.assertNotIn(KEY, json.dumps(answer))
        [entry] = answer["requests"]
        self.assertEqual(entry["headers"]["authorization"], "Bearer [redacted]")
        self.assertEqual(entry["auth"], "valid")
        self.assertEqual(entry["permission"], "campaigns.trigger.send")
        self.assertIn("campaigns.trigger.send", entry["key_permissions"])

    def test_rate_limits_and_the_clock_change_per_test(self):
        self.seed_campaign_and_user()
        self.fake.control(
            "PUT", "/rate_limits", {"default": {"limit": 1, "window_seconds": 3600}}
        )
        self.assertEqual(self.trigger()[0], 201)
        status, answer, headers = self.trigger()
        self.assertEqual((status, answer["message"]), (429, "Rate Limited"))
        self.assertEqual(headers["x-ratelimit-limit"], "1")

        clock = self.fake.control("POST", "/clock/advance", {"seconds": 2 * 86400})
        self.assertTrue(clock["now"].startswith("2030-01-03T"), clock)

    def test_reset_puts_everything_back(self):
        self.seed_campaign_and_user()
        self.fake.control("POST", "/keys", {"key": "second-key", "permissions": []})
        self.fake.control("POST", "/faults", {"spec": "reset"})
        self.fake.control("PUT", "/clock", {"now": "2035-06-01T00:00:00Z"})

        self.assertEqual(self.fake.control("POST", "/reset"), {"ok": True})
        self.assertEqual(self.fake.control("GET", "/campaigns"), {"campaigns": []})
        self.assertEqual(self.fake.control("GET", "/users"), {"users": []})
        self.assertEqual(self.fake.control("GET", "/faults")["rules"], [])
        self.assertEqual(self.fake.control("GET", "/requests"), {"requests": []})
        self.assertTrue(self.fake.control("GET", "/clock")["now"].startswith("2030-01-01T"))
        status, answer, _ = self.trigger()
        self.assertEqual((status, answer["message"]), (400, "Invalid Campaign ID"))
        status, _, _ = self.fake.request(
            "POST", "/campaigns/trigger/send", {}, key="second-key"
        )
        self.assertEqual(status, 401, "the key added is gone")


class WithoutControl(unittest.TestCase):
    def test_the_control_paths_are_braze_404s(self):
        fake = Fake(control=False)
        try:
            for method, path in [("POST", "/_mock/reset"), ("GET", "/_mock/schedules")]:
                status, answer, headers = fake.request(method, path, {} if method == "POST" else None)
                self.assertEqual((status, answer), (404, {"message": "Invalid URL"}), path)
                self.assertIn("x-ratelimit-remaining", headers)
        finally:
            fake.stop()


if __name__ == "__main__":
    unittest.main()
