"""The bilingual demo workspace that `nabd demo` loads."""
