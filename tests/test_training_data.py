"""The training data generator's damage keeps the audio on its beat times (training/make_data.py)."""
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "training"))
import make_data  # noqa: E402


def _lag(reference: np.ndarray, coded: np.ndarray, most: int) -> int:
    """Samples by which ``coded`` runs behind ``reference`` (the cross-correlation peak within ±``most``;
    negative: ahead)."""
    n = min(reference.size, coded.size) - 2 * most
    window = reference[most:most + n]
    lags = range(-most, most + 1)
    return lags[int(np.argmax([float(np.dot(window, coded[most + lag:most + lag + n])) for lag in lags]))]


@pytest.mark.parametrize("kbps", [48, 128])
def test_mp3_coding_keeps_the_audio_on_its_beats(tmp_path, kbps):
    rng = np.random.default_rng(3)
    y = np.zeros(4 * make_data.SR, dtype=np.float32)
    for t in np.arange(0.25, 3.7, 0.41):  # noise bursts: a beat's attack
        start = int(t * make_data.SR)
        y[start:start + 300] += (np.hanning(300) * rng.normal(0, 0.3, 300)).astype(np.float32)
    coded = make_data.lossy(y, kbps, tmp_path)
    # through a pipe the encoder's delay (1105 samples) stayed in: the beats 50 ms late
    assert abs(_lag(y, coded, 2000)) <= 2
