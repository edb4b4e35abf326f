"""Business logic. Functions take plain values, an explicit actor and a session; the caller commits."""
