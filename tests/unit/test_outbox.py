"""The outbox of follow-up jobs: one message for the jobs of many transactions, sent by a thread."""

from __future__ import annotations

import multiprocessing
import threading
import time

import pytest

from tasks.dispatch import Batch, Outbox


class Broker:
    """Records what the outbox sends, and when; can be told to fail once."""

    def __init__(self) -> None:
        self.messages: list[Batch] = []
        self.sent = threading.Event()
        self.fail_next = False

    def send(self, batch: Batch) -> None:
        if self.fail_next:
            self.fail_next = False
            raise ConnectionError("broker down")
        self.messages.append(batch)
        self.sent.set()


def test_the_jobs_of_transactions_close_together_travel_in_one_message_in_order() -> None:
    broker = Broker()
    outbox = Outbox(broker.send, linger=0.2)
    outbox.put([["announce_tasks", [1]]])
    outbox.put([["announce_tasks", [2]], ["render_document", [7]]])
    assert broker.sent.wait(2)
    assert broker.messages == [[["announce_tasks", [1]], ["announce_tasks", [2]], ["render_document", [7]]]]
    broker.sent.clear()
    outbox.put([["announce_tasks", [3]]])  # after the linger: a message of its own
    assert broker.sent.wait(2)
    assert broker.messages[1:] == [[["announce_tasks", [3]]]]
    outbox.close()


def test_closing_sends_what_is_held_at_once() -> None:
    broker = Broker()
    outbox = Outbox(broker.send, linger=30)
    outbox.put([["announce_tasks", [1]]])
    began = time.monotonic()
    outbox.close()
    assert broker.messages == [[["announce_tasks", [1]]]]
    assert time.monotonic() - began < 5  # not the 30 s linger


def test_a_failed_send_is_logged_and_the_outbox_goes_on(caplog: pytest.LogCaptureFixture) -> None:
    broker = Broker()
    broker.fail_next = True
    outbox = Outbox(broker.send, linger=0.01)
    outbox.put([["announce_tasks", [1]]])
    deadline = time.monotonic() + 2
    while "could not enqueue" not in caplog.text and time.monotonic() < deadline:
        time.sleep(0.01)
    assert "could not enqueue [['announce_tasks', [1]]]" in caplog.text
    outbox.put([["announce_tasks", [2]]])
    assert broker.sent.wait(2)
    assert broker.messages == [[["announce_tasks", [2]]]]
    outbox.close()


def _child(outbox: Outbox, broker: Broker, results: multiprocessing.Queue[object]) -> None:
    outbox.put([["announce_tasks", [20]]])
    outbox.close()
    results.put(broker.messages)


def test_a_forked_process_sends_its_own_jobs_with_a_thread_of_its_own() -> None:
    broker = Broker()
    outbox = Outbox(broker.send, linger=30)
    outbox.put([["announce_tasks", [10]]])  # held by the parent's thread when the child forks
    context = multiprocessing.get_context("fork")
    results: multiprocessing.Queue[object] = context.Queue()
    child = context.Process(target=_child, args=(outbox, broker, results))
    child.start()
    assert results.get(timeout=10) == [[["announce_tasks", [20]]]]  # not the parent's job
    child.join(10)
    outbox.close()
    assert broker.messages == [[["announce_tasks", [10]]]]
