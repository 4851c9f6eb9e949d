"""Typed usage of the generated client, checked with `mypy --strict` by tests/test_client_typing.py.

Never run: every `assert_type` states what a user's type checker sees for the documented calls
(constructor, chat/completions plain and streamed, embeddings, models, files, audio, raw
responses, errors, context managers), sync and async.

Request values are the generated models where the signature names one (`messages` is
`list[ChatCompletionRequestMessage]`, `voice` is an enum): plain dicts and strings work at run
time but are not accepted by the type checker.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from portkey_api import models
from portkey_api.client import (
    NOT_GIVEN,
    APIStatusError,
    AsyncPage,
    AsyncPaginator,
    AsyncPortkey,
    AsyncStream,
    AsyncStreamedResponse,
    BinaryResponse,
    NotGiven,
    Portkey,
    RateLimitError,
    RawResponse,
    Stream,
    StreamedResponse,
    SyncPage,
    request_id,
)
from typing_extensions import assert_type


def user_message(text: str) -> models.ChatCompletionRequestMessage:
    return models.ChatCompletionRequestMessage.model_validate({"role": "user", "content": text})


def sync_usage(stream_flag: bool) -> None:
    client = Portkey(
        api_key="pk-...",
        provider="openai",
        authorization="Bearer sk-...",
        base_url="http://127.0.0.1:8787/v1",
        config={"retry": {"attempts": 3}},
        timeout=30.0,
        max_retries=1,
    )
    messages = [user_message("hi")]

    completion = client.chat.completions.create(model="gpt-4o", messages=messages)
    assert_type(completion, models.CreateChatCompletionResponse)
    assert_type(completion.choices[0].message.content, str | None)

    stream = client.chat.completions.create(model="gpt-4o", messages=messages, stream=True)
    assert_type(stream, Stream[models.CreateChatCompletionStreamResponse])
    for chunk in stream:
        assert_type(chunk, models.CreateChatCompletionStreamResponse)

    not_streamed = client.chat.completions.create(model="gpt-4o", messages=messages, stream=False)
    assert_type(not_streamed, models.CreateChatCompletionResponse)

    either = client.chat.completions.create(model="gpt-4o", messages=messages, stream=stream_flag)
    assert_type(either, models.CreateChatCompletionResponse | Stream[models.CreateChatCompletionStreamResponse])

    with_options = client.chat.completions.create(
        model=models.CreateChatCompletionRequestModelEnum.GPT_4O,
        messages=messages,
        temperature=None,
        max_tokens=NOT_GIVEN,
        trace_id="trace-1",
        metadata={"user": "u1", "n": 1},
        extra_headers={"x-custom": "1"},
        extra_query={"debug": True},
        extra_body={"custom": [1, 2]},
        timeout=5.0,
    )
    assert_type(with_options, models.CreateChatCompletionResponse)

    # Plain dicts and lists, checked key by key against client/params.py (as the openai SDK's
    # TypedDict params are), mixed freely with model instances.
    from portkey_api.client.params import ChatCompletionRequestMessageParam

    system: ChatCompletionRequestMessageParam = {"role": "system", "content": "Be brief."}
    as_dicts = client.chat.completions.create(
        model="gpt-4o",
        messages=[
            system,
            {"role": "user", "content": [{"type": "text", "text": "hi"}, {"type": "image_url", "image_url": {"url": "u"}}]},
            {"role": "assistant", "content": None, "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}]},
            {"role": "tool", "content": "42", "tool_call_id": "c1"},
            user_message("and a model instance"),
        ],
        response_format={"type": "json_object"},
        stream_options={"include_usage": True},
        tool_choice="auto",
        tools=[{"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}],
    )
    assert_type(as_dicts, models.CreateChatCompletionResponse)

    text = client.completions.create(model="gpt-3.5-turbo-instruct", prompt="Say")
    assert_type(text, models.CreateCompletionResponse)
    for text_chunk in client.completions.create(model="gpt-3.5-turbo-instruct", prompt="Say", stream=True):
        assert_type(text_chunk, models.CreateCompletionResponse)

    # The spec's ModelIdsResponses lists only four o1/computer-use ids (no free-form string),
    # so a model name must be one of them for the type checker.
    o1 = models.ModelIdsResponses(models.ModelIdsResponsesEnum.O1_PRO)
    for event in client.responses.create(model=o1, input="hi", stream=True):
        assert_type(event, models.ResponseStreamEvent)

    embedding = client.embeddings.create(model="text-embedding-3-small", input=["a", "b"])
    assert_type(embedding, models.CreateEmbeddingResponse)
    assert_type(embedding.data[0].embedding, list[float])

    models_page = client.models.list()  # one page (issue 21 item 6)
    assert_type(models_page, SyncPage[models.ListModelsResponse, models.Model])
    assert_type(models_page.data, list[models.Model])
    for model in models_page:
        assert_type(model, models.Model)
    assert_type(client.prompts.partials.list(), list[models.PromptPartialSummary])
    assert_type(client.configs.delete("cfg"), dict[str, Any])

    with open("batch.jsonl", "rb") as handle:
        uploaded = client.files.create(file=handle, purpose=models.CreateFileRequestPurpose.BATCH)
    assert_type(uploaded, models.OpenAIFile)
    client.files.create(file=Path("batch.jsonl"), purpose=models.CreateFileRequestPurpose.BATCH)
    client.files.create(file=("a.jsonl", b"{}", "application/jsonl"), purpose=models.CreateFileRequestPurpose.BATCH)

    speech = client.audio.speech.create(model="tts-1", input="hello", voice=models.CreateSpeechRequestVoice.ALLOY)
    assert_type(speech, BinaryResponse)
    assert_type(client.batches.output("batch_1"), BinaryResponse)
    assert_type(speech.read(), bytes)
    assert_type(request_id(speech), str | None)
    with client.files.with_streaming_response.content("file-1") as download:
        assert_type(download, StreamedResponse[BinaryResponse])
        download.write_to_file(Path("out.bin"))
    with client.chat.completions.with_streaming_response.create(model="gpt-4o", messages=messages) as streamed:
        assert_type(streamed.status_code, int)
        for line in streamed.iter_lines():
            assert_type(line, str)

    raw = client.chat.completions.with_raw_response.create(model="gpt-4o", messages=messages)
    assert_type(raw, RawResponse[models.CreateChatCompletionResponse])
    assert_type(raw.status_code, int)
    raw_stream = client.chat.completions.with_raw_response.create(model="gpt-4o", messages=messages, stream=True)
    assert_type(raw_stream.parse(), Stream[models.CreateChatCompletionStreamResponse])
    raw_list = client.models.with_raw_response.list()
    assert_type(raw_list, RawResponse[SyncPage[models.ListModelsResponse, models.Model]])
    assert_type(raw_list.parse(), SyncPage[models.ListModelsResponse, models.Model])

    try:
        client.configs.retrieve("cfg")
    except RateLimitError as exc:
        assert_type(exc.status_code, int)
    except APIStatusError as exc:
        assert_type(exc.body, object)

    # Cursor pagination (after/has_more) and page numbers (current_page/total): every item of every page.
    batches = client.batches.list(limit=2)
    assert_type(batches, SyncPage[models.ListBatchesResponse, models.Batch])
    assert_type(batches.items, list[models.Batch])
    assert_type(batches.response, models.ListBatchesResponse)
    for batch in batches:
        assert_type(batch, models.Batch)
    if batches.has_next_page():
        assert_type(batches.next_page(), SyncPage[models.ListBatchesResponse, models.Batch])
    for page in batches.iter_pages():
        assert_type(page.items, list[models.Batch])
    for key in client.api_keys.list(page_size=50, current_page=2):
        assert_type(key, models.ApiKeyObject)
    raw_page = client.batches.with_raw_response.list()
    assert_type(raw_page.parse(), SyncPage[models.ListBatchesResponse, models.Batch])

    # Per call site: any constructor argument, on a client that shares the connection pool.
    per_call = client.with_options(
        config="pc-123",
        virtual_key="vk-1",
        api_key=None,
        authorization="sk-...",
        base_url="http://127.0.0.1:8787/v1",
        gateway_url="http://127.0.0.1:8788/v1",
        timeout=2.0,
        max_retries=0,
        default_headers={"x-team": "search"},
    )
    assert_type(per_call, Portkey)
    routed = client.with_options(config={"retry": {"attempts": 2}}).chat.completions.create(
        model="gpt-4o", messages=messages
    )
    assert_type(routed, models.CreateChatCompletionResponse)
    assert_type(client.copy(provider="anthropic"), Portkey)

    with Portkey(api_key="pk", strict_response_validation=True) as scoped:
        assert_type(scoped, Portkey)
    assert_type(NOT_GIVEN, NotGiven)


async def async_usage() -> None:
    async with AsyncPortkey(api_key="pk-...", provider="openai", authorization="sk-...") as client:
        assert_type(client, AsyncPortkey)
        messages = [user_message("hi")]
        completion = await client.chat.completions.create(model="gpt-4o", messages=messages)
        assert_type(completion, models.CreateChatCompletionResponse)

        stream = await client.chat.completions.create(model="gpt-4o", messages=messages, stream=True)
        assert_type(stream, AsyncStream[models.CreateChatCompletionStreamResponse])
        async for chunk in stream:
            assert_type(chunk, models.CreateChatCompletionStreamResponse)

        embedding = await client.embeddings.create(model="text-embedding-3-small", input="a")
        assert_type(embedding, models.CreateEmbeddingResponse)
        assert_type(await client.models.list(), AsyncPage[models.ListModelsResponse, models.Model])
        async with client.files.with_streaming_response.content("file-1") as streamed_file:
            assert_type(streamed_file, AsyncStreamedResponse[BinaryResponse])
            async for piece in streamed_file.iter_bytes():
                assert_type(piece, bytes)
        assert_type(
            await client.audio.speech.create(model="tts-1", input="x", voice=models.CreateSpeechRequestVoice.NOVA),
            BinaryResponse,
        )

        raw = await client.models.with_raw_response.list()
        assert_type(raw, RawResponse[AsyncPage[models.ListModelsResponse, models.Model]])

        paginator = client.batches.list(limit=10)
        assert_type(paginator, AsyncPaginator[models.ListBatchesResponse, models.Batch])
        async for batch in paginator:
            assert_type(batch, models.Batch)
        first = await client.batches.list()
        assert_type(first, AsyncPage[models.ListBatchesResponse, models.Batch])
        if first.has_next_page():
            assert_type(await first.next_page(), AsyncPage[models.ListBatchesResponse, models.Batch])
        async for key in client.api_keys.list(page_size=50):
            assert_type(key, models.ApiKeyObject)
        raw_page = await client.batches.with_raw_response.list()
        assert_type(raw_page.parse(), AsyncPage[models.ListBatchesResponse, models.Batch])
        assert_type(client.with_options(config="pc-1", timeout=1.0), AsyncPortkey)
