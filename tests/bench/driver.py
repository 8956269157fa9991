"""Drive journeys through the JSON API: in-process (Flask test client) or over HTTP."""

from __future__ import annotations

import http.client
import io
import json
import time
import uuid
from collections.abc import Callable
from typing import Any, Protocol

from flask.testing import FlaskClient

from tests.bench.journeys import Journey

PDF = b"%PDF-1.4\n% bench attachment\n"


class Transport(Protocol):
    """Sends one API request; returns (status, JSON body)."""

    def __call__(
        self,
        method: str,
        path: str,
        token: str | None,
        body: Any = None,
        file: tuple[str, bytes] | None = None,
    ) -> tuple[int, Any]: ...


def flask_transport(client: FlaskClient) -> Transport:
    """Requests through the Flask test client (no network, same process)."""

    def send(
        method: str, path: str, token: str | None, body: Any = None, file: tuple[str, bytes] | None = None
    ) -> tuple[int, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        if file is not None:
            response = client.open(
                "/api/v1" + path,
                method=method,
                headers=headers,
                data={"file": (io.BytesIO(file[1]), file[0])},
                content_type="multipart/form-data",
            )
        else:
            response = client.open("/api/v1" + path, method=method, headers=headers, json=body)
        return response.status_code, response.get_json()

    return send


def http_transport(host: str, port: int) -> Transport:
    """Requests over one persistent HTTP connection (one per client thread)."""
    connection = http.client.HTTPConnection(host, port, timeout=60)

    def send(
        method: str, path: str, token: str | None, body: Any = None, file: tuple[str, bytes] | None = None
    ) -> tuple[int, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        payload: bytes | None = None
        if file is not None:
            boundary = uuid.uuid4().hex
            payload = (
                (
                    f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{file[0]}"\r\n'
                    f"Content-Type: application/pdf\r\n\r\n"
                ).encode()
                + file[1]
                + f"\r\n--{boundary}--\r\n".encode()
            )
            headers["Content-Type"] = f"multipart/form-data; boundary={boundary}"
        elif body is not None:
            payload = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        connection.request(method, "/api/v1" + path, body=payload, headers=headers)
        response = connection.getresponse()
        data = response.read()
        return response.status, json.loads(data) if data else None

    return send


def login(send: Transport, usernames: set[str], password: str) -> dict[str, str]:
    """A token per user."""
    tokens = {}
    for name in sorted(usernames):
        status, body = send("POST", "/tokens", None, {"username": name, "password": password})
        assert status == 201, body
        tokens[name] = body["token"]
    return tokens


def _task(body: dict[str, Any], form_key: str) -> dict[str, Any]:
    return next(t for t in body["tasks"] if t["form_key"] == form_key)


def start_case(
    send: Transport, tokens: dict[str, str], journey: Journey
) -> tuple[dict[str, Any], dict[str, str]]:
    """Start an instance and upload its attachments."""
    status, body = send(
        "POST", f"/processes/{journey.process_key}/instances", tokens[journey.starter], {"data": {}}
    )
    assert status == 201, body
    files = {}
    for name in journey.file_fields:
        status, uploaded = send(
            "POST", f"/instances/{body['id']}/attachments", tokens[journey.starter], file=(f"{name}.pdf", PDF)
        )
        assert status == 201, uploaded
        files[name] = str(uploaded["id"])
    return body, files


def complete(
    send: Transport,
    tokens: dict[str, str],
    body: dict[str, Any],
    step: Any,
    case: int,
    files: dict[str, str],
    timings: list[float],
    pace: Callable[[], float] | None = None,
) -> dict[str, Any]:
    """Complete the step's open task; the latency goes to `timings`. With `pace`, the request waits
    for its turn and its latency counts from the time it was due (a late answer delays the next
    request of the same client, and that delay counts too)."""
    task = _task(body, step.form_key)
    began = pace() if pace else time.perf_counter()
    status, result = send(
        "POST", f"/tasks/{task['id']}/complete", tokens[step.username], {"data": step.data(case, files)}
    )
    timings.append(time.perf_counter() - began)
    assert status == 200, result
    return dict(result)


def run_case(
    send: Transport, tokens: dict[str, str], journey: Journey, case: int, timings: list[float], loops: int = 0
) -> dict[str, Any]:
    """One case from start to end (with `loops` correction rounds after the application)."""
    body, files = start_case(send, tokens, journey)
    return finish_case(send, tokens, journey, case, body, files, timings, loops)


def finish_case(
    send: Transport,
    tokens: dict[str, str],
    journey: Journey,
    case: int,
    body: dict[str, Any],
    files: dict[str, str],
    timings: list[float],
    loops: int = 0,
    pace: Callable[[], float] | None = None,
) -> dict[str, Any]:
    """Complete every step of a started case."""
    body = complete(send, tokens, body, journey.steps[0], case, files, timings, pace)
    for _ in range(loops):
        for step in journey.loop:
            body = complete(send, tokens, body, step, case, files, timings, pace)
    for step in journey.steps[1:]:
        body = complete(send, tokens, body, step, case, files, timings, pace)
    assert body["status"] == "completed", body["status"]
    return body


def users_of(journey: Journey) -> set[str]:
    """Everyone who acts in the journey."""
    return {journey.starter, *(s.username for s in journey.steps + journey.loop)}
