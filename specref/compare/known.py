"""The known differences: places where a peer computes something other than the math, by finding slug.

Each slug names one entry of validation/FINDINGS.md and its reproduction ``validation/findings/<slug>.py``;
the shipped package knows them from this table alone (it never reads validation/). A comparison that a
known difference explains reports ``known: <slug>`` and does not count as a disagreement
(``specref compare`` exits 0 for it).
"""

from __future__ import annotations

__all__ = ["KNOWN", "summary"]

KNOWN: dict[str, str] = {
    "pywt_symlet_filter_precision":
        "pywt's symlet filter taps are accurate to ~1e-13 ... 1e-11, not to double precision",
    "spectrans_adaptive_spectral_dropout":
        "spectrans AdaptiveGlobalFilter raises NotImplementedError in training mode with spectral dropout",
    "spectrans_afno_float32":
        "spectrans AFNOMixing computes every input in float32 and cannot run in float64",
    "spectrans_block_docs":
        "spectrans blocks differ from their docstrings (FFN, AFNO MLP, features, laplacian); hard gate and norm3 "
        "never train",
    "spectrans_complex_dropout":
        "spectrans FourierMixing(keep_complex=True) with dropout raises NotImplementedError in training mode",
    "spectrans_dct_float32_angles":
        "spectrans DCT/DST build dense O(n^2) matrices with angles in the input dtype",
    "spectrans_dwt_batch_input":
        "spectrans DWT1D.decompose raises inside conv1d on input of 3 or more dimensions, for every dim",
    "spectrans_dwt_float32_filters":
        "spectrans DWT1D stores pywt's filters in float32 and extends short signals differently",
    "spectrans_fourier_kernel_no_forward":
        "spectrans FourierKernel has no forward; FourierKernel and LearnableSpectralKernel accept unusable ranks",
    "spectrans_hadamard_cost":
        "spectrans HadamardTransform is a Python loop, not the documented O(1)-memory FWHT; n = 0 accepted",
    "spectrans_kernel_global_seed":
        "spectrans random-feature kernels reseed torch's global RNG",
    "spectrans_laplacian_spectral_density":
        "spectrans LaplacianRFFKernel.spectral_density is 2^d times the Cauchy density",
    "spectrans_mdct":
        "spectrans MDCT is not an MDCT",
    "spectrans_mixing_verification_methods":
        "spectrans mixing-layer verification methods measure the wrong quantities",
    "spectrans_orf_structured_draws":
        "spectrans structured random features: biased orthogonal norms, orthogonalised Cauchy, all-ones "
        "'Hadamard', FAVOR+ scaled by 1/sqrt(d)",
    "spectrans_orthogonal_rff_norms":
        "spectrans GaussianRFFKernel(orthogonal=True) uses fixed-norm columns: a biased estimate",
    "spectrans_polynomial_attention_bases":
        "spectrans PolynomialSpectralKernel.compute_attention pairs coordinates of two unrelated PCA bases",
    "spectrans_randomized_svd":
        "spectrans TruncatedSVDKernel(use_randomized=True) fails on float64 and discards its oversampling",
    "spectrans_real_fourier_identity":
        "spectrans RealFourierMixing(use_real_fft=True) returns its input (odd D: D - 1 columns); complex "
        "input raises AttributeError",
    "spectrans_sequency_hadamard":
        "spectrans SequencyHadamardTransform is not in sequency order",
    "spectrans_slant":
        "spectrans SlantTransform is not the Slant transform",
    "spectrans_spectral_pool_dims":
        "spectrans SpectralPooling: an int dim crops the last axis; tuple dims keep only non-negative "
        "frequencies on the axes but the last",
    "spectrans_spectral_pool_nyquist":
        "spectrans SpectralPooling counts the Nyquist bin of an even kept band once: halved when truncating, "
        "doubled when zero-padding",
    "spectrans_wavelet2d_attention_unused":
        "spectrans WaveletMixing2D(mixing_mode='attention') never calls its width-1 TransformerEncoder: "
        "y = x + IDWT2(DWT2 x)",
    "spectrans_wavelet_mixing_docs":
        "spectrans wavelet mixing: pointwise weights (1, 1, D), 'channel' diagonal only, 'level' per-band attention "
        "over padded positions, 2-D 'lh'/'hl' swapped, channels unused, against the docstrings",
    "torch_interpolate_linear_floorf":
        "torch F.interpolate(mode='linear') floors the source index in float32, also for float64 input",
    "ptwt_short_signal_padding":
        "ptwt wavedec/wavedec2 raise in modes reflect and periodic on signals shorter than the filter's pad",
    "ptwt_swt_circular_wrap":
        "ptwt swt/iswt misalign the periodic extension when one pad is below the length and the other above",
    "torch_dct_idct_nd_docstring":
        "torch-dct idct_2d/idct_3d document ':return: the DCT-II'; they return its inverse",
    "torch_dct_lineardct_float32":
        "torch-dct LinearDCT computes its weight in float32, also for a float64 layer",
    "performer_favor_eps":
        "performer-pytorch adds eps (1e-4 softmax, after the max-subtraction stabiliser; 1e-3 generalized) to "
        "every FAVOR+ feature",
    "performer_orthogonal_not_haar":
        "performer-pytorch gaussian_orthogonal_random_matrix: QR without the sign fix, rows not N(0, I), biased FAVOR+",
    "neuralop_spectralconv_fftshift":
        "neuraloperator SpectralConv: fftshift twice on odd axes; complex data's last axis sliced like a real "
        "transform's",
    "neuralop_spectralconv_resolution":
        "neuraloperator SpectralConv: output_shape/scaling pads or trims the unshifted spectrum, misplacing "
        "negative frequencies",
    "neuralop_spectralconv_complex64":
        "neuraloperator SpectralConv computes in complex64 whatever the dtypes",
    "neuralop_spectralconv_n_modes":
        "neuraloperator SpectralConv: odd n_modes not rounded as documented; odd reductions shift the weights",
    "spectrans_fno_one_corner":
        "spectrans SpectralConv2d keeps rfft2 rows 0..m1-1 only: the negative frequencies along H are dropped",
    "scipy_dct_complex_orthogonalize":
        "scipy.fft's dct/dst family ignores orthogonalize for complex input (computes the norm's default variant)",
    "spectrans_lst_mask":
        ("spectrans LSTAttention multiplies k^ and v^ by the transformed mask: masked tokens reach kept outputs; "
         "an all-True mask keeps only the DC coefficient"),
    "spectrans_spectral_attention_softmax":
        ("spectrans SpectralAttention('softmax'): not softmax attention at any temperature, 0 for large inputs, "
         "two redraws per call; Performer 'generalized' unnormalised"),
    "spectrans_gaussian_attention_normalizer":
        ("spectrans Gaussian-kernel linear attention (cosine features): about half the normalisers negative, "
         "outputs far outside the values' range"),
    "spectrans_mixed_attention":
        ("spectrans MixedSpectralAttention(use_fft=True): state_dict/parameters/eval/double raise AttributeError; "
         "its mask is ignored"),
    "spectrans_model_input_dropout":
        "spectrans models apply the input dropout twice (the positional encoding's, then the model's): p in series",
    "spectrans_model_attention_mask":
        "spectrans models pass attention_mask to the pooling head only; the attention layers in the blocks never "
        "see it",
    "spectrans_model_alibi":
        "spectrans models accept positional_encoding_type='alibi' and silently use no encoding",
    "spectrans_decoder_not_causal":
        "spectrans LSTDecoder/FNODecoder store causal=True and never apply it: position 0 depends on the last token",
    "spectrans_model_positional_limits":
        "spectrans models: odd hidden_dim with the sinusoidal encoding, and N > max_sequence_length, crash with "
        "shape errors",
}


def summary(slug: str) -> str:
    """The one-line summary of a known difference (KeyError naming the known slugs otherwise)."""
    try:
        return KNOWN[slug]
    except KeyError:
        raise KeyError(f"unknown finding slug {slug!r}; known: {sorted(KNOWN)}") from None
