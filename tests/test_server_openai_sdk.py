"""The generated server, run under uvicorn on 127.0.0.1, serves the official `openai` SDK.

The implementation below is what a user writes in their own module: subclasses of the generated
service classes. Nothing in the generated package is edited.
"""

from __future__ import annotations

import importlib
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import openai  # dev dependencies (pyproject [dev]): a missing one fails, never skips
import pytest
import uvicorn

PORTKEY_HEADERS = {"x-portkey-api-key": "pk-live-test", "x-portkey-provider": "openai"}
CREATED = 1_700_000_000


def build_services(server: Any, models: Any, seen: dict[str, Any]) -> dict[str, Any]:
    def last_user_text(body: Any) -> str:
        messages = body.model_dump(mode="json", by_alias=True)["messages"]
        content = messages[-1]["content"]
        return content if isinstance(content, str) else " ".join(part.get("text", "") for part in content)

    class Chat(server.ChatService):
        async def create_chat_completion(self, request, ctx):
            seen["chat_auth"] = (ctx.api_key, ctx.authorization, ctx.provider)
            body = request.body
            model = body.model_dump(mode="json")["model"]
            reply = "echo: " + last_user_text(body)
            if body.stream:

                async def chunks():
                    for i, piece in enumerate(reply.split(" ")):
                        yield models.CreateChatCompletionStreamResponse.model_validate(
                            {
                                "id": "chatcmpl-s",
                                "object": "chat.completion.chunk",
                                "created": CREATED,
                                "model": model,
                                "choices": [
                                    {
                                        "index": 0,
                                        "delta": {"role": "assistant", "content": piece if i == 0 else " " + piece},
                                        "finish_reason": None,
                                    }
                                ],
                            }
                        )

                return chunks()
            return models.CreateChatCompletionResponse.model_validate(
                {
                    "id": "chatcmpl-1",
                    "object": "chat.completion",
                    "created": CREATED,
                    "model": model,
                    "choices": [
                        {
                            "index": 0,
                            "message": {"role": "assistant", "content": reply, "refusal": None},
                            "finish_reason": "stop",
                            "logprobs": None,
                        }
                    ],
                    "usage": {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5},
                }
            )

    class Completions(server.CompletionsService):
        async def create_completion(self, request, ctx):
            body = request.body.model_dump(mode="json")
            return models.CreateCompletionResponse.model_validate(
                {
                    "id": "cmpl-1",
                    "object": "text_completion",
                    "created": CREATED,
                    "model": body["model"],
                    "choices": [{"text": str(body["prompt"]).upper(), "index": 0, "logprobs": None, "finish_reason": "stop"}],
                }
            )

    class Embeddings(server.EmbeddingsService):
        async def create_embedding(self, request, ctx):
            body = request.body.model_dump(mode="json")
            seen["embedding_format"] = body.get("encoding_format")
            return models.CreateEmbeddingResponse.model_validate(
                {
                    "object": "list",
                    "model": body["model"],
                    "data": [{"object": "embedding", "index": 0, "embedding": [0.25, -0.5, 1.0]}],
                    "usage": {"prompt_tokens": 2, "total_tokens": 2},
                }
            )

    class Models(server.ModelsService):
        async def list_models(self, request, ctx):
            return models.ListModelsResponse.model_validate(
                {
                    "object": "list",
                    "data": [
                        {"id": "gpt-test-1", "object": "model", "created": CREATED, "owned_by": "tests"},
                        {"id": "gpt-test-2", "object": "model", "created": CREATED, "owned_by": "tests"},
                    ],
                }
            )

    class Files(server.FilesService):
        async def create_file(self, request, ctx):
            data = await request.file.read()
            seen["upload"] = (request.file.filename, data)
            purpose = getattr(request.purpose, "value", request.purpose)
            return models.OpenAIFile.model_validate(
                {
                    "id": "file-abc",
                    "object": "file",
                    "bytes": len(data),
                    "created_at": CREATED,
                    "filename": request.file.filename,
                    "purpose": purpose,
                    "status": "uploaded",
                }
            )

    return {
        "chat": Chat(),
        "completions": Completions(),
        "embeddings": Embeddings(),
        "models": Models(),
        "files": Files(),
    }


def _function_names(server: Any) -> set[str]:
    return {name for cls in (server.ChatService, server.FilesService) for name in vars(cls)}


@contextmanager
def uvicorn_on_loopback(app: Any) -> Iterator[int]:
    """`app` served by uvicorn in a thread on 127.0.0.1; yields the port."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    uv = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=uv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not uv.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield port
    finally:
        uv.should_exit = True
        thread.join(timeout=15)
        sock.close()
        assert not thread.is_alive(), "uvicorn did not stop"


@pytest.fixture(scope="module")
def running_server(portkey_package):
    server = importlib.import_module(f"{portkey_package}.server")
    models = importlib.import_module(f"{portkey_package}.models")
    # The implementation overrides methods the generated classes declare (a rename would be silent).
    assert {"create_chat_completion", "create_file"} <= _function_names(server)
    seen: dict[str, Any] = {}
    app = server.create_app(prefix="/v1", **build_services(server, models, seen))
    with uvicorn_on_loopback(app) as port:
        yield f"http://127.0.0.1:{port}/v1", seen


@pytest.fixture(scope="module")
def mock_client(portkey_package):
    """The openai SDK against the generated server in mock mode (what `serve --mock` runs)."""
    server = importlib.import_module(f"{portkey_package}.server")
    with uvicorn_on_loopback(server.create_app(prefix="/v1", mock=True)) as port:
        with openai.OpenAI(
            api_key="sk-provider-key",
            base_url=f"http://127.0.0.1:{port}/v1",
            default_headers=PORTKEY_HEADERS,
            max_retries=0,
            timeout=30,
        ) as c:
            yield c


@pytest.fixture()
def client(running_server):
    base_url, _ = running_server
    with openai.OpenAI(
        api_key="sk-provider-key", base_url=base_url, default_headers=PORTKEY_HEADERS, max_retries=0, timeout=30
    ) as c:
        yield c


def test_chat_completion(client, running_server):
    completion = client.chat.completions.create(
        model="gpt-test-1", messages=[{"role": "user", "content": "hello there"}]
    )
    assert completion.choices[0].message.content == "echo: hello there"
    assert completion.model == "gpt-test-1" and completion.usage.total_tokens == 5
    # The provider key travels as the bearer token, the Portkey headers as themselves.
    assert running_server[1]["chat_auth"] == ("pk-live-test", "sk-provider-key", "openai")


def test_chat_completion_streaming(client):
    stream = client.chat.completions.create(
        model="gpt-test-1", messages=[{"role": "user", "content": "stream me please"}], stream=True
    )
    pieces = [chunk.choices[0].delta.content for chunk in stream]
    assert "".join(pieces) == "echo: stream me please"
    assert len(pieces) == 4


def test_completion(client):
    completion = client.completions.create(model="gpt-test-1", prompt="shout")
    assert completion.choices[0].text == "SHOUT" and completion.object == "text_completion"


def test_embeddings(client, running_server):
    result = client.embeddings.create(model="emb-1", input="hi", encoding_format="float")
    assert result.data[0].embedding == [0.25, -0.5, 1.0]
    assert running_server[1]["embedding_format"] == "float"


def test_models_list(client):
    assert [m.id for m in client.models.list()] == ["gpt-test-1", "gpt-test-2"]


def test_files_create_uploads_multipart(client, running_server):
    created = client.files.create(file=("batch.jsonl", b'{"custom_id": "1"}\n'), purpose="batch")
    assert created.id == "file-abc" and created.bytes == 19 and created.filename == "batch.jsonl"
    assert running_server[1]["upload"] == ("batch.jsonl", b'{"custom_id": "1"}\n')


def test_missing_portkey_key_is_an_authentication_error(running_server):
    base_url, _ = running_server
    with openai.OpenAI(api_key="sk-provider-key", base_url=base_url, max_retries=0, timeout=30) as bare:
        with pytest.raises(openai.AuthenticationError) as info:
            bare.models.list()
    assert info.value.status_code == 401


def test_unimplemented_operation_is_a_501_api_error(client):
    with pytest.raises(openai.APIStatusError) as info:
        client.batches.list()
    assert info.value.status_code == 501
    assert info.value.body["code"] == "not_implemented"  # the SDK unwraps {"error": {...}}


@pytest.mark.filterwarnings("ignore:The Assistants API is deprecated:DeprecationWarning")
def test_thread_runs_are_accepted_from_the_sdk(mock_client):
    # The upstream spec required an undeclared `thread_id` in both bodies (spec/overlay.yaml).
    run = mock_client.beta.threads.runs.create(thread_id="thread_abc", assistant_id="asst_abc")
    assert isinstance(run.id, str) and run.object == "thread.run"
    run = mock_client.beta.threads.create_and_run(
        assistant_id="asst_abc", thread={"messages": [{"role": "user", "content": "hi"}]}
    )
    assert isinstance(run.id, str) and run.object == "thread.run"
