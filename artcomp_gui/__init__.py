"""ArtComp: composition attributes of paintings and photographs, with activation maps."""

__version__ = "0.1.0"
