"""OpenTelemetry traces, when a collector is named (OTEL_EXPORTER_OTLP_ENDPOINT): this
process's tracer provider, exporting over OTLP/HTTP, and the asyncpg instrumentation, which
makes each query a span (a child of the span of the request or live event it serves). The api
makes those spans with Litestar's OpenTelemetry plugin and the OpenTelemetry API, which record
nothing while no provider is set."""

import os

from opentelemetry import trace
from opentelemetry.instrumentation.asyncpg import AsyncPGInstrumentor
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor, SpanExporter


def start_tracing(exporter: SpanExporter | None = None, *, batch: bool = True) -> TracerProvider:
    """Traces this process: to the OTLP collector the standard OTEL_* variables name, or to the
    exporter given (a test's, in memory, with `batch=False` so each span is there at once)."""
    if exporter is None:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        exporter = OTLPSpanExporter()  # OTEL_EXPORTER_OTLP_ENDPOINT and the other OTEL_*
    name = os.environ.get("OTEL_SERVICE_NAME", "live-attendance")
    provider = TracerProvider(resource=Resource.create({SERVICE_NAME: name}))
    processor = BatchSpanProcessor(exporter) if batch else SimpleSpanProcessor(exporter)
    provider.add_span_processor(processor)
    trace.set_tracer_provider(provider)
    AsyncPGInstrumentor().instrument(tracer_provider=provider)
    return provider


def stop_tracing(provider: TracerProvider) -> None:
    """Sends what is still buffered and stops instrumenting."""
    provider.shutdown()
    AsyncPGInstrumentor().uninstrument()
