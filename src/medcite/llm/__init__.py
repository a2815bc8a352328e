"""Opt-in language-model backends (an OpenAI-compatible chat endpoint). Nothing here runs by default."""

from medcite.llm.client import ChatClient, HttpTransport, LLMError, Transport

__all__ = ["ChatClient", "HttpTransport", "LLMError", "Transport"]
