"""Generated-code speed: small tasks bench/run.py starts in fresh processes (each prints one JSON
line). Standard library only at import time, so the same file runs under the project venv (our
generated package, raw httpx) and the peers venv (openai, portkey-ai).

    python bench/runtime.py upstream PORT                 # fixed chat completion / SSE, keep-alive
    python bench/runtime.py import "from x import Y; Y()"  # seconds for that statement
    python bench/runtime.py calls CLIENT BASE_URL N        # µs per chat.completions.create
    python bench/runtime.py stream CLIENT BASE_URL N       # µs per streamed chunk (N streams)
    python bench/runtime.py parse WHICH N                  # µs per model_validate_json, 100 choices
    python bench/runtime.py handwritten PORT PAYLOAD_FILE  # minimal FastAPI route (uvicorn)
    python bench/runtime.py generated-server PORT          # the generated app, mock=True (uvicorn)
    python bench/runtime.py load URL N CONCURRENCY         # requests/second, async httpx

CLIENT is ours | openai | portkey_ai | httpx. Our package is found through PYTHONPATH.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import time

MODEL = "gpt-4o-mini"
MESSAGES = [{"role": "user", "content": "Say hello."}]
STREAM_CHUNKS = 200  # chunks per streamed response
HEADERS = {"x-portkey-api-key": "bench", "x-portkey-virtual-key": "bench"}


def completion(choices: int = 1) -> dict:
    return {
        "id": "chatcmpl-bench",
        "object": "chat.completion",
        "created": 1_700_000_000,
        "model": MODEL,
        "system_fingerprint": "fp_bench",
        "choices": [
            {
                "index": i,
                "message": {
                    "role": "assistant",
                    "content": f"Hello! This is choice number {i}, a sentence of ordinary length for a reply.",
                    "refusal": None,
                },
                "logprobs": None,
                "finish_reason": "stop",
            }
            for i in range(choices)
        ],
        "usage": {"prompt_tokens": 9, "completion_tokens": 12 * choices, "total_tokens": 9 + 12 * choices},
    }


def chunk(i: int) -> dict:
    return {
        "id": "chatcmpl-bench",
        "object": "chat.completion.chunk",
        "created": 1_700_000_000,
        "model": MODEL,
        "system_fingerprint": "fp_bench",
        "choices": [{"index": 0, "delta": {"content": f"tok{i} "}, "logprobs": None, "finish_reason": None}],
    }


# --- the upstream: a fixed answer on a keep-alive HTTP/1.1 connection --------------------------------


def upstream(port: int) -> None:
    body = json.dumps(completion()).encode()
    plain = (
        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: "
        + str(len(body)).encode()
        + b"\r\n\r\n"
        + body
    )
    events = b"".join(b"data: " + json.dumps(chunk(i)).encode() + b"\n\n" for i in range(STREAM_CHUNKS))
    events += b"data: [DONE]\n\n"
    streamed = (
        b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncontent-length: "
        + str(len(events)).encode()
        + b"\r\n\r\n"
        + events
    )

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line[:15].lower() == b"content-length:":
                        length = int(line[15:].strip())
                data = await reader.readexactly(length) if length else b""
                wants_stream = b'"stream":true' in data.replace(b" ", b"")
                writer.write(streamed if wants_stream else plain)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
            pass
        finally:
            writer.close()

    async def main() -> None:
        server = await asyncio.start_server(handle, "127.0.0.1", port)
        print(json.dumps({"listening": port}), flush=True)
        async with server:
            await server.serve_forever()

    asyncio.run(main())


# --- clients -------------------------------------------------------------------------------------------


def make_client(which: str, base_url: str):
    """A callable doing one chat.completions.create (stream=False) and one for a streamed one."""
    if which == "ours":
        from portkey_api.client import Portkey

        client = Portkey(api_key="bench", virtual_key="bench", base_url=base_url, max_retries=0)
        create = client.chat.completions.create
    elif which == "openai":
        from openai import OpenAI

        client = OpenAI(api_key="bench", base_url=base_url, max_retries=0)
        create = client.chat.completions.create
    elif which == "portkey_ai":
        from portkey_ai import Portkey

        client = Portkey(api_key="bench", virtual_key="bench", base_url=base_url, max_retries=0)
        create = client.chat.completions.create
    elif which == "httpx":
        import httpx

        http = httpx.Client(headers={**HEADERS, "content-type": "application/json"})
        url = base_url.rstrip("/") + "/chat/completions"

        def create(*, model, messages, stream=False):
            payload = json.dumps(
                {"model": model, "messages": messages, "stream": stream}
                if stream
                else {"model": model, "messages": messages}
            )
            if not stream:
                return json.loads(http.post(url, content=payload).content)

            def events():
                with http.stream("POST", url, content=payload) as response:
                    for line in response.iter_lines():
                        if line.startswith("data: "):
                            if line == "data: [DONE]":
                                return
                            yield json.loads(line[6:])

            return events()

    else:
        raise SystemExit(f"unknown client {which}")
    return create


def calls(which: str, base_url: str, n: int) -> dict:
    create = make_client(which, base_url)
    for _ in range(50):
        create(model=MODEL, messages=MESSAGES)
    t0 = time.perf_counter()
    for _ in range(n):
        result = create(model=MODEL, messages=MESSAGES)
    elapsed = time.perf_counter() - t0
    assert "Hello" in (
        result["choices"][0]["message"]["content"] if isinstance(result, dict) else result.choices[0].message.content
    )
    return {"us_per_call": elapsed / n * 1e6}


def stream(which: str, base_url: str, n: int) -> dict:
    create = make_client(which, base_url)
    for _ in range(3):
        for _ in create(model=MODEL, messages=MESSAGES, stream=True):
            pass
    count = 0
    t0 = time.perf_counter()
    for _ in range(n):
        for _ in create(model=MODEL, messages=MESSAGES, stream=True):
            count += 1
    elapsed = time.perf_counter() - t0
    assert count == n * STREAM_CHUNKS, count
    return {"us_per_chunk": elapsed / count * 1e6}


def parse(which: str, n: int) -> dict:
    payload = json.dumps(completion(100))
    if which == "ours":
        from portkey_api.models import CreateChatCompletionResponse as Model
    elif which == "openai":
        from openai.types.chat import ChatCompletion as Model
    else:
        raise SystemExit(f"unknown model source {which}")
    assert len(Model.model_validate_json(payload).choices) == 100
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        Model.model_validate_json(payload)
        times.append(time.perf_counter() - t0)
    return {"us_per_parse": statistics.median(times) * 1e6}


def import_time(statement: str) -> dict:
    t0 = time.perf_counter()
    exec(compile(statement, "<bench>", "exec"), {})
    return {"seconds": time.perf_counter() - t0}


# --- servers and load ------------------------------------------------------------------------------------


def serve(app, port: int) -> None:
    import uvicorn

    print(json.dumps({"listening": port}), flush=True)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def handwritten(port: int, payload_file: str) -> None:
    from fastapi import FastAPI
    from fastapi.responses import JSONResponse

    fixed = json.loads(open(payload_file, encoding="utf-8").read())
    app = FastAPI()

    @app.post("/chat/completions")
    async def chat(body: dict) -> JSONResponse:  # plain `dict`: annotations are strings here
        return JSONResponse(fixed)

    serve(app, port)


def generated_server(port: int) -> None:
    from portkey_api.server import create_app

    serve(create_app(mock=True), port)


def load(url: str, n: int, concurrency: int) -> dict:
    import httpx

    body = {"model": MODEL, "messages": MESSAGES}

    async def main() -> dict:
        limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
        async with httpx.AsyncClient(limits=limits, timeout=30.0, headers=HEADERS) as client:
            first = await client.post(url, json=body)
            first.raise_for_status()
            queue = iter(range(n))
            failures = 0

            async def worker() -> None:
                nonlocal failures
                for _ in queue:
                    response = await client.post(url, json=body)
                    if response.status_code != 200:
                        failures += 1

            for _ in range(100):  # warm-up
                await client.post(url, json=body)
            t0 = time.perf_counter()
            await asyncio.gather(*(worker() for _ in range(concurrency)))
            elapsed = time.perf_counter() - t0
            return {"rps": n / elapsed, "failures": failures, "sample": first.json()}

    return asyncio.run(main())


def main(argv: list[str]) -> None:
    task, args = argv[0], argv[1:]
    if task == "upstream":
        upstream(int(args[0]))
    elif task == "handwritten":
        handwritten(int(args[0]), args[1])
    elif task == "generated-server":
        generated_server(int(args[0]))
    else:
        result = {
            "import": lambda: import_time(args[0]),
            "calls": lambda: calls(args[0], args[1], int(args[2])),
            "stream": lambda: stream(args[0], args[1], int(args[2])),
            "parse": lambda: parse(args[0], int(args[1])),
            "load": lambda: load(args[0], int(args[1]), int(args[2])),
        }[task]()
        print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
