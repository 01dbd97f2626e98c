"""Feature builders: confidence weights, text vectors and skill levels/gaps."""

__all__: list[str] = []
