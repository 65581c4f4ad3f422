"""Text analytics: language, sentiment, topics, intent, emotion and key phrases.

Pure functions over strings and numpy arrays; no database or web code. Start with
:func:`nabd.text.pipeline.analyze`. How each annotation is computed: docs/text-analytics.md.
"""
