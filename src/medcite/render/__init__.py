"""Article renderers: JSON, Markdown, HTML (escaping lives here)."""
