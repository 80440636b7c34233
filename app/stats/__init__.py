"""Statistics, the hotspot map and the supervisor page: 一本账, 一屏尽览."""
