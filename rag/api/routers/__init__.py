"""One APIRouter per use case: ask, the OpenAI-compatible endpoints, documents (admin), ops."""
