//! End-to-end tests live under `tests/api`; this library is empty on purpose.
