"""Our numpy spectra against librosa, the library they stand in for on the analysis path."""
import subprocess
import sys

import numpy as np
import librosa
import pytest
from music_media import click_track

from montage_ai.audio import spectral
from montage_ai.audio.onsets import FLUX_DELAY, HOP, N_FFT, N_MELS, onset_bands

SR = 22050


def _signal(seconds: float = 12.0) -> np.ndarray:
    rng = np.random.default_rng(0)
    t = np.arange(int(SR * seconds)) / SR
    gate = np.sin(2 * np.pi * 2.0 * t) > 0
    return (0.1 * rng.standard_normal(t.size) + 0.3 * gate * np.sin(2 * np.pi * 220 * t)).astype(np.float32)


def test_mel_filterbank_and_frequencies_are_librosas():
    np.testing.assert_allclose(spectral.mel_filterbank(SR, N_FFT, N_MELS),
                               librosa.filters.mel(sr=SR, n_fft=N_FFT, n_mels=N_MELS), atol=1e-7)
    np.testing.assert_allclose(spectral.mel_frequencies(N_MELS, SR / 2),
                               librosa.mel_frequencies(n_mels=N_MELS, fmax=SR / 2), rtol=1e-9)


def test_power_spectrogram_is_librosas_stft():
    y = _signal()
    ours = spectral.power_spectrogram(y, N_FFT, HOP)
    ref = np.abs(librosa.stft(y, n_fft=N_FFT, hop_length=HOP, center=False)) ** 2
    assert ours.shape == ref.shape
    assert np.abs(ours - ref).max() < 1e-5 * ref.max()


def test_onset_envelope_is_librosas_onset_strength_but_for_the_delay():
    y = _signal()
    ours = onset_bands(y, SR).full
    ref = librosa.onset.onset_strength(y=y, sr=SR, n_fft=N_FFT, hop_length=HOP, n_mels=N_MELS)
    shift = 1 + N_FFT // (2 * HOP) - FLUX_DELAY
    assert ours.size == ref.size
    np.testing.assert_allclose(ours[FLUX_DELAY:-shift], ref[FLUX_DELAY + shift:], atol=1e-5)


@pytest.mark.parametrize("hz, pitch_class", [(261.63, 0), (440.0, 9), (98.0, 7), (1568.0, 7), (3000.0, 6)])
def test_chroma_peaks_at_the_tone_like_librosa(hz, pitch_class):
    tone = np.sin(2 * np.pi * hz * np.arange(SR) / SR).astype(np.float32)
    ours = spectral.chroma(spectral.power_spectrogram(tone, N_FFT, HOP), spectral.chroma_filterbank(SR, N_FFT))
    ref = librosa.feature.chroma_stft(y=tone, sr=SR, tuning=0.0)
    assert np.argmax(ours.mean(axis=1)) == np.argmax(ref.mean(axis=1)) == pitch_class


def test_segment_medians_are_librosas_sync():
    values = np.random.default_rng(2).random((12, 400))
    bounds = np.array([0, 37, 90, 91, 250, 399])
    np.testing.assert_allclose(spectral.segment_medians(values, bounds),
                               librosa.util.sync(values, bounds, aggregate=np.median))


def test_analysing_a_song_does_not_load_librosa(tmp_path):
    """Loading librosa (scipy.signal, numba) costs about a second: more than analysing a song."""
    track = click_track(tmp_path / "click.wav", bars=4)
    code = ("import sys; from montage_ai.audio.analyze import analyze_music; "
            "music = analyze_music(sys.argv[1], use_cache=False); "
            "print(len(music.beats), sorted({m.split('.')[0] for m in sys.modules} & {'librosa', 'numba'}))")
    out = subprocess.run([sys.executable, "-c", code, str(track.path)], capture_output=True, text=True, check=True)
    assert out.stdout.split(maxsplit=1) == [str(len(track.beats)), "[]\n"]
