"""Export and import of sessions: writers (json, jsonl, markdown, openai), the import reader and
validator, and the importer for ``llm`` logs databases. The SQL lives in ``store.transfer``."""
