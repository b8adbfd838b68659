"""mine2magnet: least-cost, low-risk sourcing plans for rare-earth magnet supply chains."""

__version__ = "0.1.0"
